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
            var i = r.lowerBound
            i = forEachVector(from: i, to: r.upperBound) { i, lanes in
                let v = VectorLanes.load(s.base + i, lanes: lanes)
                VectorLanes.store(f(v), d.base + i, lanes: lanes)
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
            i = forEachVector(from: i, to: r.upperBound) { i, lanes in
                let gv = VectorLanes.load(pg.base + i, lanes: lanes), xv = VectorLanes.load(px.base + i, lanes: lanes)
                let yv = VectorLanes.load(py.base + i, lanes: lanes)
                VectorLanes.store(gv * f.derivative(xv, yv), d.base + i, lanes: lanes)
            }
            while i < r.upperBound { d[i] = pg[i] * f.derivative(px[i], py[i]); i += 1 }
        }
    }

    /// Calls `body(i, lanes)` for the vectors of `start..<end`: 16 lanes at a time, then one
    /// 8-lane step if 8 or more elements remain (`lanes` = 8: only the low half is read and
    /// written). Returns where the scalar tail starts: the same elements go through a function's
    /// vector form as when ``map`` stepped 8 lanes at a time, so its results have the same bits.
    @inlinable @inline(__always)
    static func forEachVector(from start: Int, to end: Int, _ body: (Int, Int) -> Void) -> Int {
        var i = start
        while i + 16 <= end { body(i, 16); i += 16 }
        if i + 8 <= end { body(i, 8); i += 8 }
        return i
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
    /// Sixteen lanes at once (defaults to the scalar form lane by lane).
    func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float>
    func derivative(_ x: Float, _ y: Float) -> Float
    /// Sixteen derivatives at once (defaults to the scalar form lane by lane).
    func derivative(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float>
}

extension UnaryFunction {
    @inlinable @inline(__always)
    public func derivative(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
        var out = x
        for lane in 0..<16 { out[lane] = derivative(x[lane], y[lane]) }
        return out
    }

    @inlinable @inline(__always)
    public func callAsFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var out = x
        for lane in 0..<16 { out[lane] = self(x[lane]) }
        return out
    }
}

/// Loads and stores of a 16-float vector of which only the first `lanes` (16 or 8) are real:
/// an 8-lane access fills the high half with zeros and writes back the low half only.
@usableFromInline
enum VectorLanes {
    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>, lanes: Int) -> SIMD16<Float> {
        lanes == 16 ? UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
            : SIMD16(lowHalf: UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self), highHalf: .zero)
    }

    @inlinable @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 16 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
        } else {
            UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: SIMD8<Float>.self)
        }
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
