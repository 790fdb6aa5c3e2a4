/// Broadcasting arithmetic (+, −, ×, ÷) between tensors and with scalars, with gradients.

extension Tensor {
    private static func broadcastShape(_ a: Tensor, _ b: Tensor, _ op: String) -> [Int] {
        guard let s = Broadcast.shape(a.shape, b.shape) else {
            preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return s
    }

    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let outShape = broadcastShape(a, b, "+")
        let out = Tensor(Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, BinaryOps.Add()), shape: outShape)
        return out.recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(Broadcast.sum(g, from: outShape, to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(Broadcast.sum(g, from: outShape, to: b.shape)) }
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let outShape = broadcastShape(a, b, "-")
        let out = Tensor(Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, BinaryOps.Sub()), shape: outShape)
        return out.recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(Broadcast.sum(g, from: outShape, to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(Broadcast.sum(g, from: outShape, to: b.shape).map { -$0 }) }
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let outShape = broadcastShape(a, b, "*")
        let out = Tensor(Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, BinaryOps.Mul()), shape: outShape)
        return out.recording([a, b]) { g in
            if a.requiresGrad {
                let ga = Broadcast.apply(g, outShape, b.data, b.shape, outShape: outShape, BinaryOps.Mul())
                a.accumulateGrad(Broadcast.sum(ga, from: outShape, to: a.shape))
            }
            if b.requiresGrad {
                let gb = Broadcast.apply(g, outShape, a.data, a.shape, outShape: outShape, BinaryOps.Mul())
                b.accumulateGrad(Broadcast.sum(gb, from: outShape, to: b.shape))
            }
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let outShape = broadcastShape(a, b, "/")
        let quotient = Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, BinaryOps.Div())
        // Backward closures capture values, never the output tensor itself (that would be a cycle).
        return Tensor(quotient, shape: outShape).recording([a, b]) { g in
            if a.requiresGrad {
                let ga = Broadcast.apply(g, outShape, b.data, b.shape, outShape: outShape, BinaryOps.Div())
                a.accumulateGrad(Broadcast.sum(ga, from: outShape, to: a.shape))
            }
            if b.requiresGrad {
                // d(a/b)/db = −a/b² = −out/b
                let gOut = Broadcast.apply(g, outShape, quotient, outShape, outShape: outShape, BinaryOps.Mul())
                let gb = Broadcast.apply(gOut, outShape, b.data, b.shape, outShape: outShape, BinaryOps.NegDiv())
                b.accumulateGrad(Broadcast.sum(gb, from: outShape, to: b.shape))
            }
        }
    }

    /// Adds a constant.
    public static func + (a: Tensor, s: Float) -> Tensor { a.map(UnaryOps.AddScalar(s: s)) }
    /// Subtracts a constant.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    /// Multiplies by a constant.
    public static func * (a: Tensor, s: Float) -> Tensor { a.map(UnaryOps.Scale(s: s)) }
    /// Multiplies by a constant.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    /// Divides by a constant.
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    /// Negation.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }
}
