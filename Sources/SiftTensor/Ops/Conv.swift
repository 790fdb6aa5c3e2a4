/// 2-D convolution (im2col + GEMM, stride and zero padding) and 2×2 max-pooling, with gradients.

/// Geometry of a convolution over NCHW inputs.
struct ConvGeometry {
    let n, c, h, w, o, kh, kw, stride, padding: Int
    var oh: Int { (h + 2 * padding - kh) / stride + 1 }
    var ow: Int { (w + 2 * padding - kw) / stride + 1 }
    var patch: Int { c * kh * kw }   // rows of the column matrix
    var pixels: Int { oh * ow }      // columns of the column matrix

    /// Unfolds one image `[C, H, W]` into columns `[C·kh·kw, oh·ow]` (zeros in the padding).
    func im2col(_ img: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
        for ci in 0..<c { for dy in 0..<kh { for dx in 0..<kw {
            let row = cols + ((ci * kh + dy) * kw + dx) * pixels
            for y in 0..<oh {
                let iy = y * stride - padding + dy
                for x in 0..<ow {
                    let ix = x * stride - padding + dx
                    row[y * ow + x] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? img[(ci * h + iy) * w + ix] : 0
                }
            }
        } } }
    }

    /// Folds column gradients back onto one image's gradient (adding overlaps).
    func col2im(_ cols: UnsafePointer<Float>, _ img: UnsafeMutablePointer<Float>) {
        for ci in 0..<c { for dy in 0..<kh { for dx in 0..<kw {
            let row = cols + ((ci * kh + dy) * kw + dx) * pixels
            for y in 0..<oh {
                let iy = y * stride - padding + dy
                guard iy >= 0 && iy < h else { continue }
                for x in 0..<ow {
                    let ix = x * stride - padding + dx
                    if ix >= 0 && ix < w { img[(ci * h + iy) * w + ix] += row[y * ow + x] }
                }
            }
        } } }
    }
}

extension Tensor {
    /// Convolution of `x` `[N, C, H, W]` with `weight` `[O, C, kh, kw]` plus `bias` `[O]`,
    /// as PyTorch's `conv2d` (cross-correlation). Result `[N, O, oh, ow]`.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[1],
                     "conv2d: input \(x.shape) does not fit weight \(weight.shape)")
        let geo = ConvGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], o: weight.shape[0],
                               kh: weight.shape[2], kw: weight.shape[3], stride: stride, padding: padding)
        precondition(stride > 0 && geo.oh > 0 && geo.ow > 0, "conv2d: empty output for \(x.shape), stride \(stride)")
        if let bias { precondition(bias.shape == [geo.o], "conv2d: bias \(bias.shape) for \(geo.o) channels") }
        let imageSize = geo.c * geo.h * geo.w, outSize = geo.o * geo.pixels, colSize = geo.patch * geo.pixels
        // Columns of every image are kept for the backward pass when recording.
        var cols = [Float](repeating: 0, count: geo.n * colSize)
        let values = withPointers(x.data, weight.data) { px, pw in
            [Float].filled(geo.n * outSize) { out in
                cols.withUnsafeMutableBufferPointer { pcols in
                    let cbase = SharedPointer(pcols.baseAddress!), obase = SharedPointer(out)
                    let xs = SharedConstPointer(px)
                    parallelFor(geo.n) { i in
                        geo.im2col(xs.base + i * imageSize, cbase.base + i * colSize)
                    }
                    for i in 0..<geo.n {
                        let o = obase.base + i * outSize
                        if let bias {
                            for ch in 0..<geo.o { (o + ch * geo.pixels).initialize(repeating: bias.data[ch], count: geo.pixels) }
                        }
                        BLAS.gemm(transA: false, transB: false, m: geo.o, n: geo.pixels, k: geo.patch,
                                  a: pw, b: cbase.base + i * colSize, c: o, beta: bias == nil ? 0 : 1)
                    }
                }
            }
        }
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        return Tensor(values, shape: [geo.n, geo.o, geo.oh, geo.ow]).recording(inputs) { g in
            withPointers(g, cols) { pg, pcols in
                if weight.requiresGrad {  // dW = Σ_i dOut_i · cols_iᵀ
                    weight.accumulateGrad([Float].filled(weight.count) { dw in
                        BLAS.batchedGemm(batch: geo.n, transA: false, transB: true, m: geo.o, n: geo.patch, k: geo.pixels,
                                         a: pg, aStride: outSize, b: pcols, bStride: colSize, c: dw, cStride: 0)
                    })
                }
                if let bias, bias.requiresGrad {
                    var gb = [Float](repeating: 0, count: geo.o)
                    for i in 0..<geo.n { for ch in 0..<geo.o {
                        var s: Float = 0
                        let row = pg + i * outSize + ch * geo.pixels
                        for p in 0..<geo.pixels { s += row[p] }
                        gb[ch] += s
                    } }
                    bias.accumulateGrad(gb)
                }
                if x.requiresGrad {  // dCols = Wᵀ · dOut, folded back with col2im
                    var dcols = [Float](repeating: 0, count: colSize)
                    let gx = withPointers(weight.data) { pw in
                        [Float].filled(x.count) { dx in
                            dx.initialize(repeating: 0, count: x.count)
                            dcols.withUnsafeMutableBufferPointer { pd in
                                for i in 0..<geo.n {
                                    BLAS.gemm(transA: true, transB: false, m: geo.patch, n: geo.pixels, k: geo.o,
                                              a: pw, b: pg + i * outSize, c: pd.baseAddress!)
                                    geo.col2im(pd.baseAddress!, dx + i * imageSize)
                                }
                            }
                        }
                    }
                    x.accumulateGrad(gx)
                }
            }
        }
    }

    /// 2×2 max-pooling with stride 2 over `[N, C, H, W]` (odd trailing rows/columns are dropped).
    /// The gradient goes to the first maximum of each window.
    public func maxPool2x2() -> Tensor {
        precondition(rank == 4, "maxPool2x2: needs [N, C, H, W], got \(shape)")
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (oh, ow) = (h / 2, w / 2)
        var argmax = [Int](repeating: 0, count: planes * oh * ow)
        let values = withPointers(data) { src in
            [Float].filled(planes * oh * ow) { dst in
                for p in 0..<planes { for y in 0..<oh { for x in 0..<ow {
                    var best = -Float.infinity, at = 0
                    for dy in 0..<2 { for dx in 0..<2 {
                        let idx = (p * h + 2 * y + dy) * w + 2 * x + dx
                        if src[idx] > best || (dy == 0 && dx == 0) { best = src[idx]; at = idx }
                    } }
                    let o = (p * oh + y) * ow + x
                    dst[o] = best
                    argmax[o] = at
                } } }
            }
        }
        let total = count
        return Tensor(values, shape: [shape[0], shape[1], oh, ow]).recording([self]) { [self] g in
            var grad = [Float](repeating: 0, count: total)
            for (o, at) in argmax.enumerated() { grad[at] += g[o] }
            self.accumulateGrad(grad)
        }
    }
}
