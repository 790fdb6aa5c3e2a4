/// The adaLN-Zero building blocks of DiT/SiT as fused operations with gradients:
/// `modulate(x, shift, scale) = x·(1 + scale) + shift` and `x + gate·y`, each broadcasting a
/// per-sample vector over the tokens.

extension Tensor {
    /// `x·(1 + scale) + shift` with `x` `[N, T, D]` and `shift`, `scale` `[N, D]` broadcast over T.
    public static func modulate(_ x: Tensor, shift: Tensor, scale: Tensor) -> Tensor {
        precondition(x.rank == 3, "modulate: x must be [N, T, D], got \(x.shape)")
        let (n, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(x.rank == 3 && shift.shape == [n, d] && scale.shape == [n, d],
                     "modulate: x \(x.shape), shift \(shift.shape), scale \(scale.shape)")
        let values = withPointers(x.data, shift.data) { px, pb in
            withPointers(scale.data) { ps in
                [Float].filled(x.count) { out in
                    AdaLNKernel.modulate(px, shift: pb, scale: ps, out: out, n: n, t: t, d: d)
                }
            }
        }
        return Tensor(values, shape: x.shape).recording([x, shift, scale]) { g in
            // Pointers, not `tensor.data[i]`: a class property read per element costs more than the arithmetic.
            if x.requiresGrad {
                x.accumulateGrad(withPointers(g, scale.data) { pg, ps in
                    [Float].filled(x.count) { dx in  // dx = g·(1 + scale)
                        AdaLNKernel.scaleRows(pg, by: ps, addingOne: true, out: dx, n: n, t: t, d: d)
                    }
                })
            }
            if shift.requiresGrad || scale.requiresGrad {
                var gShift = [Float](repeating: 0, count: n * d), gScale = gShift
                withPointers(g, x.data) { pg, px in
                    gShift.withUnsafeMutableBufferPointer { gs in
                        gScale.withUnsafeMutableBufferPointer { gc in
                            guard let shiftSums = gs.baseAddress, let scaleSums = gc.baseAddress else { return }  // none when n·d = 0
                            AdaLNKernel.tokenSums(pg, times: nil, into: shiftSums, n: n, t: t, d: d)  // Σ_tokens g
                            AdaLNKernel.tokenSums(pg, times: px, into: scaleSums, n: n, t: t, d: d)   // Σ_tokens g·x
                        }
                    }
                }
                shift.accumulateGrad(gShift)
                scale.accumulateGrad(gScale)
            }
        }
    }

    /// `x + gate·y` with `x`, `y` `[N, T, D]` and `gate` `[N, D]` broadcast over T.
    public static func gatedResidual(_ x: Tensor, gate: Tensor, _ y: Tensor) -> Tensor {
        precondition(x.rank == 3, "gatedResidual: x must be [N, T, D], got \(x.shape)")
        let (n, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(x.rank == 3 && y.shape == x.shape && gate.shape == [n, d],
                     "gatedResidual: x \(x.shape), gate \(gate.shape), y \(y.shape)")
        let values = withPointers(x.data, y.data) { px, py in
            withPointers(gate.data) { pg in
                [Float].filled(x.count) { out in
                    out.update(from: px, count: n * t * d)
                    AdaLNKernel.addGated(out, gate: pg, y: py, n: n, t: t, d: d)
                }
            }
        }
        return Tensor(values, shape: x.shape).recording([x, gate, y]) { g in
            x.accumulateGrad(g)
            if y.requiresGrad {
                y.accumulateGrad(withPointers(g, gate.data) { pg, pgate in
                    [Float].filled(y.count) { dy in  // dy = g·gate
                        AdaLNKernel.scaleRows(pg, by: pgate, addingOne: false, out: dy, n: n, t: t, d: d)
                    }
                })
            }
            if gate.requiresGrad {
                var gg = [Float](repeating: 0, count: n * d)
                withPointers(g, y.data) { pg, py in
                    gg.withUnsafeMutableBufferPointer { sums in  // Σ_tokens g·y (none when n·d = 0)
                        if let base = sums.baseAddress { AdaLNKernel.tokenSums(pg, times: py, into: base, n: n, t: t, d: d) }
                    }
                }
                gate.accumulateGrad(gg)
            }
        }
    }
}

/// Raw adaLN kernels shared by the autograd ops and the fused inference path.
public enum AdaLNKernel {
    /// out = x·(1 + scale) + shift; x, out `[n, t, d]`; shift, scale rows of `d` with row stride
    /// `stride` (so they can be read straight out of a `[n, 6d]` modulation matrix).
    @inline(__always)
    public static func modulate(_ x: UnsafePointer<Float>, shift: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                                out: UnsafeMutablePointer<Float>, n: Int, t: Int, d: Int, stride: Int? = nil) {
        let rowStride = stride ?? d
        let xs = SharedConstPointer(x), bs = SharedConstPointer(shift), ss = SharedConstPointer(scale), os = SharedPointer(out)
        parallelChunks(n * t, minChunk: Swift.max(1, 16_384 / Swift.max(d, 1))) { rows in
            for r in rows {
                let i = r / t
                let xr = xs.base + r * d, o = os.base + r * d
                let b = bs.base + i * rowStride, s = ss.base + i * rowStride
                for k in 0..<d { o[k] = xr[k] * (1 + s[k]) + b[k] }
            }
        }
    }

    /// out = x·(1 + s) (`addingOne`) or x·s; x, out `[n, t, d]`, s `[n, d]` broadcast over t (the
    /// input gradients of ``Tensor/modulate(_:shift:scale:)`` and of the gated residual's branch).
    @inline(__always)
    public static func scaleRows(_ x: UnsafePointer<Float>, by s: UnsafePointer<Float>, addingOne: Bool, out: UnsafeMutablePointer<Float>,
                                 n: Int, t: Int, d: Int) {
        let xs = SharedConstPointer(x), ss = SharedConstPointer(s), os = SharedPointer(out)
        parallelChunks(n * t, minChunk: Swift.max(1, 16_384 / Swift.max(d, 1))) { rows in
            for r in rows {
                let xr = xs.base + r * d, o = os.base + r * d, sr = ss.base + (r / t) * d
                if addingOne { for k in 0..<d { o[k] = xr[k] * (1 + sr[k]) } } else { for k in 0..<d { o[k] = xr[k] * sr[k] } }
            }
        }
    }

    /// sums[i, k] += Σ_j a[i, j, k] (· b[i, j, k] when `b` is given), over the tokens j in order;
    /// a, b `[n, t, d]`, sums `[n, d]` (the gradients of the per-sample shift, scale and gate).
    /// Samples are spread over threads; each sum runs in token order whatever the split.
    @inline(__always)
    public static func tokenSums(_ a: UnsafePointer<Float>, times b: UnsafePointer<Float>?, into sums: UnsafeMutablePointer<Float>,
                                 n: Int, t: Int, d: Int) {
        let asp = SharedConstPointer(a), bsp = b.map(SharedConstPointer.init), out = SharedPointer(sums)
        parallelChunks(n, minChunk: Swift.max(1, 16_384 / Swift.max(t * d, 1))) { samples in
            for i in samples {
                let acc = out.base + i * d
                for j in 0..<t {
                    let row = (i * t + j) * d, ar = asp.base + row
                    if let bsp { let br = bsp.base + row; for k in 0..<d { acc[k] += ar[k] * br[k] } } else { for k in 0..<d { acc[k] += ar[k] } }
                }
            }
        }
    }

    /// x += gate·y in place; x, y `[n, t, d]`; gate rows of `d` with row stride `stride`.
    @inline(__always)
    public static func addGated(_ x: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, y: UnsafePointer<Float>,
                                n: Int, t: Int, d: Int, stride: Int? = nil) {
        let rowStride = stride ?? d
        let xs = SharedPointer(x), gs = SharedConstPointer(gate), ys = SharedConstPointer(y)
        parallelChunks(n * t, minChunk: Swift.max(1, 16_384 / Swift.max(d, 1))) { rows in
            for r in rows {
                let i = r / t
                let xr = xs.base + r * d, yr = ys.base + r * d, g = gs.base + i * rowStride
                for k in 0..<d { xr[k] += g[k] * yr[k] }
            }
        }
    }
}
