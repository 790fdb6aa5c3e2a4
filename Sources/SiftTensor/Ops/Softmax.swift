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
    /// ``softmax(_:_:)`` on each row, four rows at a time so that nothing waits on one long chain:
    /// the maxima over 16 lanes (a maximum is exact in any order, and the sign of a zero maximum
    /// cannot change any exp(x − m)), the four rows' exponentials interleaved, their sums as four
    /// independent chains (each still in column order), the scaling 16 lanes at a time.
    @inlinable
    public static func softmaxRows(_ base: UnsafeMutablePointer<Float>, rows: Int, n: Int, stride: Int) {
        typealias V = FastMath.Vector16
        let whole = n & ~15
        var r = 0
        while r + 4 <= rows {
            let r0 = base + r * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride
            let m0 = rowMaximum(r0, n), m1 = rowMaximum(r1, n), m2 = rowMaximum(r2, n), m3 = rowMaximum(r3, n)
            let v0 = V(repeating: m0), v1 = V(repeating: m1), v2 = V(repeating: m2), v3 = V(repeating: m3)
            var i = 0
            while i < whole {
                let x0 = load(r0 + i) - v0, x1 = load(r1 + i) - v1, x2 = load(r2 + i) - v2, x3 = load(r3 + i) - v3
                store(FastMath.exp(matchingScalar: x0), r0 + i); store(FastMath.exp(matchingScalar: x1), r1 + i)
                store(FastMath.exp(matchingScalar: x2), r2 + i); store(FastMath.exp(matchingScalar: x3), r3 + i)
                i += 16
            }
            while i < n {
                r0[i] = FastMath.exp(r0[i] - m0); r1[i] = FastMath.exp(r1[i] - m1)
                r2[i] = FastMath.exp(r2[i] - m2); r3[i] = FastMath.exp(r3[i] - m3)
                i += 1
            }
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            for i in 0..<n { s0 += r0[i]; s1 += r1[i]; s2 += r2[i]; s3 += r3[i] }
            scale(r0, n, by: 1 / s0); scale(r1, n, by: 1 / s1); scale(r2, n, by: 1 / s2); scale(r3, n, by: 1 / s3)
            r += 4
        }
        while r < rows { softmax(base + r * stride, n); r += 1 }
    }

    /// The largest of `row[0..<n]`, −∞ when empty; NaNs are passed over, as by the scalar scan
    /// `Swift.max(m, x)` in ``softmax(_:_:)``.
    @inlinable @inline(__always)
    static func rowMaximum(_ row: UnsafePointer<Float>, _ n: Int) -> Float {
        var lanes = FastMath.Vector16(repeating: -.infinity)
        var i = 0
        while i + 16 <= n {
            let x = load(row + i)
            lanes.replace(with: x, where: x .> lanes)
            i += 16
        }
        var m = -Float.infinity
        for lane in 0..<16 { m = Swift.max(m, lanes[lane]) }
        while i < n { m = Swift.max(m, row[i]); i += 1 }
        return m
    }

    /// row[i] *= factor for i < n.
    @inlinable @inline(__always)
    static func scale(_ row: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
        var i = 0
        while i + 16 <= n { store(load(row + i) * factor, row + i); i += 16 }
        while i < n { row[i] *= factor; i += 1 }
    }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> FastMath.Vector16 { UnsafeRawPointer(p).loadUnaligned(as: FastMath.Vector16.self) }

    @inlinable @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> FastMath.Vector16 { UnsafeRawPointer(p).loadUnaligned(as: FastMath.Vector16.self) }

    @inlinable @inline(__always)
    static func store(_ v: FastMath.Vector16, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: FastMath.Vector16.self)
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
