import Foundation

/// Softmax and log-softmax over the last axis, numerically stable, with gradients.

/// Row kernels shared by the autograd ops and fused inference code.
public enum RowKernels {
    /// In-place softmax of one row of `n` values.
    @inlinable @inline(__always)
    public static func softmax(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for i in 0..<n { m = Swift.max(m, row[i]) }
        expShifted(row, n, by: m)
        var s: Float = 0
        for i in 0..<n { s += row[i] }
        let inv = 1 / s
        for i in 0..<n { row[i] *= inv }
    }

    /// row[i] = exp(row[i] − m) for i < n: sixteen at a time with the vector exp that gives the
    /// scalar exp's bits, the rest one by one.
    @inlinable @inline(__always)
    public static func expShifted(_ row: UnsafeMutablePointer<Float>, _ n: Int, by m: Float) {
        let shift = FastMath.Vector16(repeating: m)
        var i = 0
        while i + 16 <= n {
            let x = UnsafeRawPointer(row + i).loadUnaligned(as: FastMath.Vector16.self)
            UnsafeMutableRawPointer(row + i).storeBytes(of: FastMath.exp(matchingScalar: x - shift), as: FastMath.Vector16.self)
            i += 16
        }
        while i < n { row[i] = FastMath.exp(row[i] - m); i += 1 }
    }

    /// In-place softmax of `rows` rows of `n` values, `stride` floats apart: bit for bit
    /// ``softmax(_:_:)`` on each row, with four rows' sums interleaved (four independent chains
    /// of additions, each still in column order) so the sums do not wait on one another.
    @inlinable
    public static func softmaxRows(_ base: UnsafeMutablePointer<Float>, rows: Int, n: Int, stride: Int) {
        var r = 0
        while r + 4 <= rows {
            let r0 = base + r * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride
            var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
            for i in 0..<n { m0 = Swift.max(m0, r0[i]); m1 = Swift.max(m1, r1[i]); m2 = Swift.max(m2, r2[i]); m3 = Swift.max(m3, r3[i]) }
            expShifted(r0, n, by: m0); expShifted(r1, n, by: m1); expShifted(r2, n, by: m2); expShifted(r3, n, by: m3)
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            for i in 0..<n { s0 += r0[i]; s1 += r1[i]; s2 += r2[i]; s3 += r3[i] }
            let i0 = 1 / s0, i1 = 1 / s1, i2 = 1 / s2, i3 = 1 / s3
            for i in 0..<n { r0[i] *= i0; r1[i] *= i1; r2[i] *= i2; r3[i] *= i3 }
            r += 4
        }
        while r < rows { softmax(base + r * stride, n); r += 1 }
    }

    /// log-softmax of `src` into `dst` (rows of `n`).
    @inlinable @inline(__always)
    public static func logSoftmax(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for i in 0..<n { m = Swift.max(m, src[i]) }
        for i in 0..<n { dst[i] = FastMath.exp(src[i] - m) }  // scratch use of dst: vectorises
        var s: Float = 0
        for i in 0..<n { s += dst[i] }
        let lse = m + Foundation.log(s)
        for i in 0..<n { dst[i] = src[i] - lse }
    }
}

extension Tensor {
    /// Runs `body(row, srcRow, dstRow)` over the rows of the last axis, in parallel for large tensors.
    func forEachRow(into dst: UnsafeMutablePointer<Float>, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        let n = shape.last ?? 1
        let rows = n == 0 ? 0 : count / n
        withPointers(data) { src in
            let s = SharedConstPointer(src), d = SharedPointer(dst)
            parallelChunks(rows, minChunk: Swift.max(1, 16_384 / Swift.max(n, 1))) { r in
                for i in r { body(s.base + i * n, d.base + i * n, n) }
            }
        }
    }

    /// Softmax over the last axis.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1
        let values = [Float].filled(count) { dst in
            forEachRow(into: dst) { src, out, n in
                out.update(from: src, count: n)
                RowKernels.softmax(out, n)
            }
        }
        return Tensor(values, shape: shape).recording([self]) { [self] g in
            // dx = y ⊙ (g − Σ g⊙y) per row
            let y = values
            let grad = [Float].filled(count) { dst in
                withPointers(g, y) { pg, py in
                    for r in 0..<(count / Swift.max(n, 1)) {
                        let o = r * n
                        var dot: Float = 0
                        for i in 0..<n { dot += pg[o + i] * py[o + i] }
                        for i in 0..<n { dst[o + i] = py[o + i] * (pg[o + i] - dot) }
                    }
                }
            }
            self.accumulateGrad(grad)
        }
    }

    /// log-softmax over the last axis.
    public func logSoftmax() -> Tensor {
        let n = shape.last ?? 1
        let values = [Float].filled(count) { dst in
            forEachRow(into: dst) { src, out, n in RowKernels.logSoftmax(src, out, n) }
        }
        return Tensor(values, shape: shape).recording([self]) { [self] g in
            // dx = g − softmax ⊙ Σ g per row
            let grad = [Float].filled(count) { dst in
                withPointers(g, values) { pg, py in
                    for r in 0..<(count / Swift.max(n, 1)) {
                        let o = r * n
                        var total: Float = 0
                        for i in 0..<n { total += pg[o + i] }
                        for i in 0..<n { dst[o + i] = pg[o + i] - Foundation.exp(py[o + i]) * total }
                    }
                }
            }
            self.accumulateGrad(grad)
        }
    }
}
