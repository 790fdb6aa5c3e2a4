/// NumPy-style broadcasting: shape rules, strided expansion and the reverse reduction
/// (summing a gradient back to an operand's shape).
public enum Broadcast {
    /// The broadcast shape of two shapes, aligned at the right; `nil` if they are incompatible.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides of `shape` (row-major) expressed on the axes of `outShape`, with 0 on broadcast axes.
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let offset = outShape.count - shape.count
        var strides = [Int](repeating: 0, count: outShape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + offset] = shape[i] == 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }

    /// If `shape` equals the trailing axes of `outShape` (no broadcasting inside it), the number of
    /// times it repeats; e.g. `[D]` in `[N, T, D]` repeats N·T times.
    static func suffixRepeats(_ shape: [Int], in outShape: [Int]) -> Int? {
        guard shape.count <= outShape.count, Array(outShape.suffix(shape.count)) == shape else { return nil }
        return outShape.dropLast(shape.count).reduce(1, *)
    }

    /// Runs (rows of the innermost axis) of `outShape`.
    static func runCount(_ outShape: [Int]) -> Int { outShape.dropLast().reduce(1, *) }

    /// Visits every output element in order, giving offsets into `a` and `b` (stride 0 on broadcast
    /// axes). The innermost axis is passed as a run: `body(outStart, aStart, aStride, bStart, bStride, length)`.
    /// `runs` limits the visit to those runs (of ``runCount(_:)``), so disjoint ranges can go to
    /// different threads.
    static func forEachRun(outShape: [Int], aStrides: [Int], bStrides: [Int], runs: Range<Int>? = nil,
                           _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let rank = outShape.count
        guard rank > 0 else { body(0, 0, 0, 0, 0, 1); return }
        let inner = outShape[rank - 1]
        let outer = runCount(outShape)
        if inner == 0 || outer == 0 { return }
        let visited = runs ?? 0..<outer
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var ao = 0, bo = 0
        var rest = visited.lowerBound  // the odometer at the first visited run
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            index[axis] = rest % outShape[axis]
            rest /= outShape[axis]
            ao += index[axis] * aStrides[axis]; bo += index[axis] * bStrides[axis]
        }
        for o in visited {
            body(o * inner, ao, aStrides[rank - 1], bo, bStrides[rank - 1], inner)
            // Odometer increment over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                ao += aStrides[axis]; bo += bStrides[axis]
                if index[axis] < outShape[axis] { break }
                ao -= aStrides[axis] * outShape[axis]; bo -= bStrides[axis] * outShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// Sums `values` (laid out in `outShape`) down to `shape`, the reverse of broadcasting.
    public static func sum(_ values: [Float], from outShape: [Int], to shape: [Int]) -> [Float] {
        if outShape == shape { return values }
        let n = shape.product
        if let repeats = suffixRepeats(shape, in: outShape) {
            // Fast path: sum `repeats` contiguous rows of length n, columns spread over threads
            // (each column still summed in row order).
            return .filled(n) { dst in
                dst.initialize(repeating: 0, count: n)
                values.withUnsafeBufferPointer { src in
                    guard let base = src.baseAddress else { return }  // no rows: the sums stay 0
                    let (s, d) = (SharedConstPointer(base), SharedPointer(dst))
                    parallelChunks(n, minChunk: Swift.max(16, 32_768 / Swift.max(repeats, 1))) { columns in
                        for r in 0..<repeats {
                            let row = s.base + r * n
                            for i in columns { d[i] += row[i] }
                        }
                    }
                }
            }
        }
        let strides = strides(of: shape, in: outShape)
        let zero = [Int](repeating: 0, count: outShape.count)
        return .filled(n) { dst in
            dst.initialize(repeating: 0, count: n)
            values.withUnsafeBufferPointer { src in
                forEachRun(outShape: outShape, aStrides: strides, bStrides: zero) { o, a, aStride, _, _, len in
                    for i in 0..<len { dst[a + i * aStride] += src[o + i] }
                }
            }
        }
    }

    /// Repeats `values` (laid out in `shape`) along broadcast axes to fill `outShape`.
    public static func expand(_ values: [Float], from shape: [Int], to outShape: [Int]) -> [Float] {
        apply(values, shape, [0], [], outShape: outShape, BinaryOps.First())
    }

    /// Applies `f` elementwise to `a` (shape `aShape`) and `b` (shape `bShape`) broadcast to `outShape`.
    @inline(__always)
    static func apply<F: BinaryFunction>(_ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int], outShape: [Int],
                                         _ f: F) -> [Float] {
        let n = outShape.product
        return withPointers(a, b) { pa, pb in
            if aShape == bShape {
                return .filled(n) { Kernels.zip(f, pa, pb, $0, count: n) }
            }
            if b.count == 1 && aShape == outShape {
                let s = pb[0]
                return .filled(n) { Kernels.map(BinaryOps.WithRight(f: f, right: s), pa, $0, count: n) }
            }
            if a.count == 1 && bShape == outShape {
                let s = pa[0]
                return .filled(n) { Kernels.map(BinaryOps.WithLeft(f: f, left: s), pb, $0, count: n) }
            }
            if aShape == outShape, let repeats = suffixRepeats(bShape, in: outShape) {
                let m = b.count
                return .filled(n) { dst in
                    let d = SharedPointer(dst), x = SharedConstPointer(pa), y = SharedConstPointer(pb)
                    parallelChunks(repeats, minChunk: max(1, 32_768 / max(m, 1))) { rows in
                        for r in rows {
                            let base = r * m
                            for i in 0..<m { d[base + i] = f(x[base + i], y[i]) }
                        }
                    }
                }
            }
            let sa = strides(of: aShape, in: outShape), sb = strides(of: bShape, in: outShape)
            return .filled(n) { dst in
                forEachRun(outShape: outShape, aStrides: sa, bStrides: sb) { o, ao, aStride, bo, bStride, len in
                    for i in 0..<len { dst[o + i] = f(pa[ao + i * aStride], pb[bo + i * bStride]) }
                }
            }
        }
    }
}
