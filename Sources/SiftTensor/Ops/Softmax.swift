import Foundation

/// Softmax and log-softmax over the last axis, numerically stable, with gradients.

/// Row kernels shared by the autograd ops and fused inference code.
public enum RowKernels {
    /// In-place softmax of one row of `n` values.
    @inlinable @inline(__always)
    public static func softmax(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for i in 0..<n { m = Swift.max(m, row[i]) }
        for i in 0..<n { row[i] = FastMath.exp(row[i] - m) }  // separate loop: vectorises
        var s: Float = 0
        for i in 0..<n { s += row[i] }
        let inv = 1 / s
        for i in 0..<n { row[i] *= inv }
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
