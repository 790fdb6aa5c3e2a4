import Foundation

/// The scalar functions behind the elementwise tensor operations, as types so that every kernel
/// using them is specialised (see ``UnaryFunction`` and ``BinaryFunction``).

/// Binary operations.
public enum BinaryOps {
    public struct Add: BinaryFunction { @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    public struct Sub: BinaryFunction { @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    public struct Mul: BinaryFunction { @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    public struct Div: BinaryFunction { @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    /// −a/b (the gradient of a quotient with respect to its divisor, given a = g·out).
    public struct NegDiv: BinaryFunction { @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { -a / b } }
    /// The left argument (used to broadcast-copy).
    public struct First: BinaryFunction { @inline(__always) public func callAsFunction(_ a: Float, _ b: Float) -> Float { a } }

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
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x + s }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 1 }
    }
    public struct Scale: UnaryFunction {
        public let s: Float
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x * s }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { s }
    }
    public struct Exp: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { FastMath.exp(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { y }
    }
    public struct Log: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Float(Foundation.log(Double(x))) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 1 / x }
    }
    public struct Sqrt: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 0.5 / y }
    }
    public struct Square: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { x * x }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 2 * x }
    }
    public struct Tanh: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { FastMath.tanh(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { 1 - y * y }
    }
    public struct Sigmoid: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Activations.sigmoid(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
    }
    public struct ReLU: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
    }
    public struct SiLU: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Activations.silu(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { Activations.siluDerivative(x) }
    }
    public struct GELU: UnaryFunction {
        @inline(__always) public func callAsFunction(_ x: Float) -> Float { Activations.gelu(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { Activations.geluDerivative(x) }
    }
}
