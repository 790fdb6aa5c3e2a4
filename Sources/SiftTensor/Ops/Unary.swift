import Foundation

/// Elementwise functions and activations (GELU in its tanh form, SiLU, ReLU, …) with gradients.

extension Tensor {
    /// Applies `f` elementwise; `derivative(x, y)` gives dy/dx from the input and output values.
    @inline(__always)
    func unary(_ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let n = count
        let values = withPointers(data) { src in [Float].filled(n) { Kernels.map(src, $0, count: n, f) } }
        let out = Tensor(values, shape: shape)
        return out.recording([self]) { [self] g in
            let grad = withPointers(g, self.data) { pg, px in
                withPointers(out.data) { py in
                    [Float].filled(n) { Kernels.zip3(pg, px, py, $0, count: n) { g, x, y in g * derivative(x, y) } }
                }
            }
            self.accumulateGrad(grad)
        }
    }

    /// eˣ
    public func exp() -> Tensor { unary({ Foundation.exp($0) }, derivative: { _, y in y }) }
    /// Natural logarithm.
    public func log() -> Tensor { unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    /// Square root.
    public func sqrt() -> Tensor { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// x²
    public func squared() -> Tensor { unary({ $0 * $0 }, derivative: { x, _ in 2 * x }) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary({ Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }
    /// Logistic sigmoid 1/(1+e⁻ˣ).
    public func sigmoid() -> Tensor { unary(Activations.sigmoid, derivative: { _, y in y * (1 - y) }) }
    /// max(x, 0)
    public func relu() -> Tensor { unary({ Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }
    /// SiLU (swish): x·σ(x).
    public func silu() -> Tensor { unary(Activations.silu, derivative: { x, _ in Activations.siluDerivative(x) }) }
    /// GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) — as in DiT's `approx="tanh"`.
    public func gelu() -> Tensor { unary(Activations.gelu, derivative: { x, _ in Activations.geluDerivative(x) }) }
}

/// Scalar activation functions shared by the autograd ops and fused inference kernels.
public enum Activations {
    @inline(__always) public static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    @inline(__always) public static func silu(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) }
    @inline(__always) public static func siluDerivative(_ x: Float) -> Float {
        let s = sigmoid(x)
        return s * (1 + x * (1 - s))
    }
    static let geluC: Float = 0.7978845608028654  // √(2/π)
    @inline(__always) public static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + Foundation.tanh(geluC * (x + 0.044715 * x * x * x)))
    }
    @inline(__always) public static func geluDerivative(_ x: Float) -> Float {
        let u = geluC * (x + 0.044715 * x * x * x)
        let t = Foundation.tanh(u)
        let du = geluC * (1 + 3 * 0.044715 * x * x)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    }
}
