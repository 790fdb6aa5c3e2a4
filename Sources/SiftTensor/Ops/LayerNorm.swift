/// Layer normalisation over the last axis, with or without an affine transform, with gradients.

extension Tensor {
    /// `(x − mean) / √(var + eps)` over the last axis (biased variance, as PyTorch), then
    /// `· weight + bias` when given (both of shape `[D]`).
    public func layerNorm(weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-6) -> Tensor {
        let d = shape.last ?? 1
        let rows = d == 0 ? 0 : count / d
        if let w = weight { precondition(w.shape == [d], "layerNorm: weight \(w.shape) for width \(d)") }
        if let b = bias { precondition(b.shape == [d], "layerNorm: bias \(b.shape) for width \(d)") }
        var xhat = [Float](repeating: 0, count: count)
        var invStd = [Float](repeating: 0, count: rows)
        let w = weight?.data, b = bias?.data
        let values = [Float].filled(count) { dst in
            xhat.withUnsafeMutableBufferPointer { xh in
                invStd.withUnsafeMutableBufferPointer { inv in
                    let xhp = SharedPointer(xh.baseAddress!), invp = SharedPointer(inv.baseAddress!)
                    forEachRow(into: dst) { src, out, n in
                        let r = (out - dst) / n
                        var mean: Float = 0
                        for i in 0..<n { mean += src[i] }
                        mean /= Float(n)
                        var v: Float = 0
                        for i in 0..<n { let c = src[i] - mean; v += c * c }
                        let s = 1 / (v / Float(n) + eps).squareRoot()
                        invp[r] = s
                        let xr = xhp.base + r * n
                        for i in 0..<n { xr[i] = (src[i] - mean) * s }
                        if let w, let b {
                            for i in 0..<n { out[i] = xr[i] * w[i] + b[i] }
                        } else if let w {
                            for i in 0..<n { out[i] = xr[i] * w[i] }
                        } else {
                            for i in 0..<n { out[i] = xr[i] + (b?[i] ?? 0) }
                        }
                    }
                }
            }
        }
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return Tensor(values, shape: shape).recording(inputs) { [self, xhat, invStd] g in
            // Raw pointers in the loops: the captured arrays read element by element cost more than the arithmetic.
            withPointers(g, xhat) { pg, px in
                if let weight, weight.requiresGrad {
                    var gw = [Float](repeating: 0, count: d)
                    gw.withUnsafeMutableBufferPointer { gwp in
                        for r in 0..<rows { for i in 0..<d { gwp[i] += pg[r * d + i] * px[r * d + i] } }
                    }
                    weight.accumulateGrad(gw)
                }
                if let bias, bias.requiresGrad {
                    var gb = [Float](repeating: 0, count: d)
                    gb.withUnsafeMutableBufferPointer { gbp in
                        for r in 0..<rows { for i in 0..<d { gbp[i] += pg[r * d + i] } }
                    }
                    bias.accumulateGrad(gb)
                }
                guard self.requiresGrad else { return }
                // dx = invStd · (ĝ − mean(ĝ) − x̂·mean(ĝ⊙x̂)), ĝ = g ⊙ weight; rows are independent.
                let grad = withPointers(invStd) { pinv in
                    [Float].filled(count) { dst in
                        let out = SharedPointer(dst), gs = SharedConstPointer(pg), xs = SharedConstPointer(px), invs = SharedConstPointer(pinv)
                        parallelChunks(rows, minChunk: Swift.max(1, 16_384 / Swift.max(d, 1))) { range in
                            for r in range {
                                let o = r * d
                                var m1: Float = 0, m2: Float = 0
                                for i in 0..<d {
                                    let gh = gs.base[o + i] * (w?[i] ?? 1)
                                    m1 += gh; m2 += gh * xs.base[o + i]
                                }
                                m1 /= Float(d); m2 /= Float(d)
                                for i in 0..<d {
                                    let gh = gs.base[o + i] * (w?[i] ?? 1)
                                    out.base[o + i] = invs.base[r] * (gh - m1 - xs.base[o + i] * m2)
                                }
                            }
                        }
                    }
                }
                self.accumulateGrad(grad)
            }
        }
    }
}
