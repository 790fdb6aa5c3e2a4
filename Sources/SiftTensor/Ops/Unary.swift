import Foundation

/// Elementwise functions and activations (GELU in its tanh form, SiLU, ReLU, …) with gradients.

extension Tensor {
    /// Applies `f` elementwise (specialised per function type, vectorisable, parallel when large).
    @inline(__always)
    public func map<F: UnaryFunction>(_ f: F) -> Tensor {
        let n = count
        let values = withPointers(data) { src in [Float].filled(n) { Kernels.map(f, src, $0, count: n) } }
        // The closure keeps the output values, not the output tensor (which would be a cycle).
        return Tensor(values, shape: shape).recording([self]) { [self] g in
            let grad = withPointers(g, self.data) { pg, px in
                withPointers(values) { py in
                    [Float].filled(n) { Kernels.mapBackward(f, g: pg, x: px, y: py, $0, count: n) }
                }
            }
            self.accumulateGrad(grad)
        }
    }

    /// eˣ
    public func exp() -> Tensor { map(UnaryOps.Exp()) }
    /// Natural logarithm.
    public func log() -> Tensor { map(UnaryOps.Log()) }
    /// Square root.
    public func sqrt() -> Tensor { map(UnaryOps.Sqrt()) }
    /// x²
    public func squared() -> Tensor { map(UnaryOps.Square()) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { map(UnaryOps.Tanh()) }
    /// Logistic sigmoid 1/(1+e⁻ˣ).
    public func sigmoid() -> Tensor { map(UnaryOps.Sigmoid()) }
    /// max(x, 0)
    public func relu() -> Tensor { map(UnaryOps.ReLU()) }
    /// SiLU (swish): x·σ(x).
    public func silu() -> Tensor { map(UnaryOps.SiLU()) }
    /// GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) — as in DiT's `approx="tanh"`.
    public func gelu() -> Tensor { map(UnaryOps.GELU()) }
}

/// Scalar activation functions shared by the autograd ops and fused inference kernels.
public enum Activations {
    @inlinable @inline(__always) public static func sigmoid(_ x: Float) -> Float { 1 / (1 + FastMath.exp(-x)) }
    @inlinable @inline(__always) public static func silu(_ x: Float) -> Float { x / (1 + FastMath.exp(-x)) }
    @inlinable @inline(__always) public static func siluDerivative(_ x: Float) -> Float {
        let s = sigmoid(x)
        return s * (1 + x * (1 - s))
    }
    @usableFromInline static let geluC: Float = 0.7978845608028654  // √(2/π)
    @inlinable @inline(__always) public static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + FastMath.tanh(geluC * (x + 0.044715 * x * x * x)))
    }
    @inlinable @inline(__always) public static func geluDerivative(_ x: Float) -> Float {
        let u = geluC * (x + 0.044715 * x * x * x)
        let t = FastMath.tanh(u)
        let du = geluC * (1 + 3 * 0.044715 * x * x)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    }
    /// Sixteen GELUs (the vector kernels' form, ``FastMath/tanh(_:)-(Vector16)``).
    @_transparent public static func gelu(_ x: SIMD16<Float>) -> SIMD16<Float> {
        0.5 * x * (1 + FastMath.tanh(geluC * (x + 0.044715 * x * x * x)))
    }
    /// Sixteen GELU′ (the vector kernels' form).
    @_transparent public static func geluDerivative(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let u = geluC * (x + 0.044715 * x * x * x)
        let t = FastMath.tanh(u)
        let du = geluC * (1 + 3 * 0.044715 * x * x)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    }
}
