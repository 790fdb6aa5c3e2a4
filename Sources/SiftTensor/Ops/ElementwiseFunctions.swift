import Foundation

/// The scalar functions behind the elementwise tensor operations, as types so that every kernel
/// using them is specialised (see ``UnaryFunction`` and ``BinaryFunction``).

/// Binary operations.
public enum BinaryOps {
    public struct Add: BinaryFunction { public init() {}; @inlinable @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    public struct Sub: BinaryFunction { public init() {}; @inlinable @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    public struct Mul: BinaryFunction { public init() {}; @inlinable @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    public struct Div: BinaryFunction { public init() {}; @inlinable @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    /// −a/b (the gradient of a quotient with respect to its divisor, given a = g·out).
    public struct NegDiv: BinaryFunction { public init() {}; @inlinable @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { -a / b } }
    /// The left argument (used to broadcast-copy).
    public struct First: BinaryFunction { public init() {}; @inlinable @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a } }

    /// f(x, c) for a fixed right operand.
    struct WithRight<F: BinaryFunction>: UnaryFunction {
        let f: F, right: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x, right) }
        func derivative(_ x: Float, _ y: Float) -> Float { 0 }
    }
    /// f(c, x) for a fixed left operand.
    struct WithLeft<F: BinaryFunction>: UnaryFunction {
        let f: F, left: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { f(left, x) }
        func derivative(_ x: Float, _ y: Float) -> Float { 0 }
    }
}

/// Unary functions and activations.
public enum UnaryOps {
    public struct AddScalar: UnaryFunction {
        public let s: Float
        public init(s: Float) { self.s = s }
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { x + s }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 1 }
    }
    public struct Scale: UnaryFunction {
        public let s: Float
        public init(s: Float) { self.s = s }
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { x * s }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { s }
    }
    public struct Exp: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { FastMath.exp(x) }
        @inlinable @inline(__always) public func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { FastMath.exp(x) }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { y }
    }
    public struct Log: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { Float(Foundation.log(Double(x))) }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 1 / x }
    }
    public struct Sqrt: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 0.5 / y }
    }
    public struct Square: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { x * x }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 2 * x }
    }
    public struct Tanh: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { FastMath.tanh(x) }
        @inlinable @inline(__always) public func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { FastMath.tanh(x) }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 1 - y * y }
    }
    public struct Sigmoid: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { Activations.sigmoid(x) }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
    }
    public struct ReLU: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
    }
    public struct SiLU: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { Activations.silu(x) }
        @inlinable @inline(__always) public func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { x / (1 + FastMath.exp(-x)) }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { Activations.siluDerivative(x) }
    }
    public struct GELU: UnaryFunction {
        public init() {}
        @inlinable @inline(__always) public func callAsFunction(_ x: Float) -> Float { Activations.gelu(x) }
        @inlinable @inline(__always) public func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> { Activations.gelu(x) }
        @inlinable @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { Activations.geluDerivative(x) }
        @inlinable @inline(__always) public func derivative(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
            Activations.geluDerivative(x)
        }
    }
}
