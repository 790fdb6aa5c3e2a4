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
        let out = Tensor(Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, +), shape: outShape)
        return out.recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(Broadcast.sum(g, from: outShape, to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(Broadcast.sum(g, from: outShape, to: b.shape)) }
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let outShape = broadcastShape(a, b, "-")
        let out = Tensor(Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, -), shape: outShape)
        return out.recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(Broadcast.sum(g, from: outShape, to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(Broadcast.sum(g, from: outShape, to: b.shape).map { -$0 }) }
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let outShape = broadcastShape(a, b, "*")
        let out = Tensor(Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, *), shape: outShape)
        return out.recording([a, b]) { g in
            if a.requiresGrad {
                let ga = Broadcast.apply(g, outShape, b.data, b.shape, outShape: outShape, *)
                a.accumulateGrad(Broadcast.sum(ga, from: outShape, to: a.shape))
            }
            if b.requiresGrad {
                let gb = Broadcast.apply(g, outShape, a.data, a.shape, outShape: outShape, *)
                b.accumulateGrad(Broadcast.sum(gb, from: outShape, to: b.shape))
            }
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let outShape = broadcastShape(a, b, "/")
        let out = Tensor(Broadcast.apply(a.data, a.shape, b.data, b.shape, outShape: outShape, /), shape: outShape)
        return out.recording([a, b]) { g in
            if a.requiresGrad {
                let ga = Broadcast.apply(g, outShape, b.data, b.shape, outShape: outShape, /)
                a.accumulateGrad(Broadcast.sum(ga, from: outShape, to: a.shape))
            }
            if b.requiresGrad {
                // d(a/b)/db = −a/b² = −out/b
                let gOut = Broadcast.apply(g, outShape, out.data, outShape, outShape: outShape, *)
                let gb = Broadcast.apply(gOut, outShape, b.data, b.shape, outShape: outShape) { -$0 / $1 }
                b.accumulateGrad(Broadcast.sum(gb, from: outShape, to: b.shape))
            }
        }
    }

    /// Adds a constant.
    public static func + (a: Tensor, s: Float) -> Tensor { a.unary({ $0 + s }, derivative: { _, _ in 1 }) }
    /// Subtracts a constant.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    /// Multiplies by a constant.
    public static func * (a: Tensor, s: Float) -> Tensor { a.unary({ $0 * s }, derivative: { _, _ in s }) }
    /// Multiplies by a constant.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    /// Divides by a constant.
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    /// Negation.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }
}
