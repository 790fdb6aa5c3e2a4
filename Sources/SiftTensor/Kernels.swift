/// Raw loops over pointers used by the tensor operations. No allocation, no bounds checks.
public enum Kernels {
    /// dst[i] += src[i]
    @inlinable @inline(__always)
    public static func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        let d = SharedPointer(dst), s = SharedConstPointer(src)
        parallelChunks(count, minChunk: 65_536) { r in
            for i in r { d[i] += s[i] }
        }
    }

    /// dst[i] = f(src[i]) over `count` elements, split over threads for large counts.
    /// Generic over the function type so each use is specialised and vectorised (no indirect calls).
    @inlinable @inline(__always)
    public static func map<F: UnaryFunction>(_ f: F, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                             count: Int, minChunk: Int = 32_768) {
        let d = SharedPointer(dst), s = SharedConstPointer(src)
        parallelChunks(count, minChunk: minChunk) { r in
            // Eight lanes at a time through the function's vector form, then the tail.
            var i = r.lowerBound
            while i + 8 <= r.upperBound {
                let v = UnsafeRawPointer(s.base + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(d.base + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound { d[i] = f(s[i]); i += 1 }
        }
    }

    /// dst[i] = g[i] · f′(x[i]) given the inputs x and outputs y = f(x) (the backward of ``map``).
    @inlinable @inline(__always)
    public static func mapBackward<F: UnaryFunction>(_ f: F, g: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                                     y: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let d = SharedPointer(dst), pg = SharedConstPointer(g), px = SharedConstPointer(x), py = SharedConstPointer(y)
        parallelChunks(count, minChunk: 32_768) { r in
            var i = r.lowerBound
            while i + 8 <= r.upperBound {
                let gv = UnsafeRawPointer(pg.base + i).loadUnaligned(as: SIMD8<Float>.self)
                let xv = UnsafeRawPointer(px.base + i).loadUnaligned(as: SIMD8<Float>.self)
                let yv = UnsafeRawPointer(py.base + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(d.base + i).storeBytes(of: gv * f.derivative(xv, yv), as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound { d[i] = pg[i] * f.derivative(px[i], py[i]); i += 1 }
        }
    }

    /// dst[i] = f(a[i], b[i]).
    @inlinable @inline(__always)
    public static func zip<F: BinaryFunction>(_ f: F, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                              _ dst: UnsafeMutablePointer<Float>, count: Int, minChunk: Int = 32_768) {
        let d = SharedPointer(dst), x = SharedConstPointer(a), y = SharedConstPointer(b)
        parallelChunks(count, minChunk: minChunk) { r in
            for i in r { d[i] = f(x[i], y[i]) }
        }
    }
}

/// A scalar function applied elementwise, with its derivative written from the input x and the
/// output y (whichever is cheaper).
public protocol UnaryFunction {
    func callAsFunction(_ x: Float) -> Float
    /// Eight lanes at once (defaults to the scalar form lane by lane).
    func callAsFunction(_ x: SIMD8<Float>) -> SIMD8<Float>
    func derivative(_ x: Float, _ y: Float) -> Float
    /// Eight derivatives at once (defaults to the scalar form lane by lane).
    func derivative(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float>
}

extension UnaryFunction {
    @inlinable @inline(__always)
    public func derivative(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        var out = x
        for lane in 0..<8 { out[lane] = derivative(x[lane], y[lane]) }
        return out
    }

    @inlinable @inline(__always)
    public func callAsFunction(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var out = x
        for lane in 0..<8 { out[lane] = self(x[lane]) }
        return out
    }
}

/// A scalar function of two arguments applied elementwise (with broadcasting).
public protocol BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

extension Array where Element == Float {
    /// Builds an array of `count` floats by letting `fill` write into uninitialised storage.
    @inline(__always)
    static func filled(_ count: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, n in
            if count > 0 { fill(buffer.baseAddress!) }
            n = count
        }
    }
}

/// Calls `body` with base pointers of the given arrays (empty arrays give a dangling but unused pointer).
@inline(__always)
func withPointers<R>(_ a: [Float], _ body: (UnsafePointer<Float>) -> R) -> R {
    a.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(bitPattern: 16)!) }
}

@inline(__always)
func withPointers<R>(_ a: [Float], _ b: [Float], _ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            body(pa.baseAddress ?? UnsafePointer(bitPattern: 16)!, pb.baseAddress ?? UnsafePointer(bitPattern: 16)!)
        }
    }
}
