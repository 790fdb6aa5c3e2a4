/// 2-D convolution (im2col + GEMM, stride and zero padding) and 2×2 max-pooling, with gradients.

/// Geometry of a convolution over NCHW inputs.
struct ConvGeometry {
    let n, c, h, w, o, kh, kw, stride, padding: Int
    var oh: Int { (h + 2 * padding - kh) / stride + 1 }
    var ow: Int { (w + 2 * padding - kw) / stride + 1 }
    var patch: Int { c * kh * kw }   // rows of the column matrix
    var pixels: Int { oh * ow }      // columns of the column matrix

    /// Unfolds one image `[C, H, W]` into its columns of the batch column matrix
    /// `[C·kh·kw, ld]` (zeros in the padding), starting at column `offset`.
    func im2col(_ img: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, ld: Int, offset: Int) {
        for ci in 0..<c { for dy in 0..<kh { for dx in 0..<kw {
            let row = cols + ((ci * kh + dy) * kw + dx) * ld + offset
            let (x0, x1) = validColumns(dx)
            for y in 0..<oh {
                let iy = y * stride - padding + dy
                let out = row + y * ow
                guard iy >= 0 && iy < h, x0 < x1 else { out.initialize(repeating: 0, count: ow); continue }
                if x0 > 0 { out.initialize(repeating: 0, count: x0) }
                if x1 < ow { (out + x1).initialize(repeating: 0, count: ow - x1) }
                let src = img + (ci * h + iy) * w - padding + dx
                if stride == 1 {
                    (out + x0).update(from: src + x0, count: x1 - x0)
                } else {
                    for x in x0..<x1 { out[x] = src[x * stride] }
                }
            }
        } } }
    }

    /// The output columns x whose input column x·stride − padding + dx lies inside the image.
    @inline(__always)
    func validColumns(_ dx: Int) -> (Int, Int) {
        // ix = x·stride − padding + dx ∈ [0, w)  ⇔  x ∈ [ceil((padding − dx)/stride), ceil((w + padding − dx)/stride))
        func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
        let lo = max(0, ceilDiv(padding - dx, stride)), hi = min(ow, ceilDiv(w + padding - dx, stride))
        return (lo, max(lo, hi))
    }

    /// Folds one image's columns of the batch column-gradient matrix back onto its gradient
    /// (adding overlaps).
    func col2im(_ cols: UnsafePointer<Float>, ld: Int, offset: Int, _ img: UnsafeMutablePointer<Float>) {
        for ci in 0..<c { for dy in 0..<kh { for dx in 0..<kw {
            let row = cols + ((ci * kh + dy) * kw + dx) * ld + offset
            let (x0, x1) = validColumns(dx)
            for y in 0..<oh {
                let iy = y * stride - padding + dy
                guard iy >= 0 && iy < h else { continue }
                let src = row + y * ow
                let dst = img + (ci * h + iy) * w - padding + dx
                for x in x0..<x1 { dst[x * stride] += src[x] }
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
        let imageSize = geo.c * geo.h * geo.w, outSize = geo.o * geo.pixels
        let (n, o, pixels, patch) = (geo.n, geo.o, geo.pixels, geo.patch)
        let columns = n * pixels  // one column per output pixel of every image
        // Band by band (ConvBands): a pixel's value does not depend on how many images came with it.
        let values = withPointers(x.data, weight.data) { px, pw in
            [Float].filled(n * outSize) { out in
                let product = ColumnProduct(weight: pw, outputs: o, depth: patch)
                if let bias {
                    withPointers(bias.data) { geo.forward(px, product: product, bias: $0, out: out) }
                } else {
                    geo.forward(px, product: product, bias: nil, out: out)
                }
            }
        }
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        return Tensor(values, shape: [geo.n, geo.o, geo.oh, geo.ow]).recording(inputs) { g in
            // The output gradient as [O, N·HW], matching the column matrix.
            var gT = [Float](repeating: 0, count: o * columns)
            for i in 0..<n { for ch in 0..<o { for p in 0..<pixels {
                gT[ch * columns + i * pixels + p] = g[(i * o + ch) * pixels + p]
            } } }
            // The column matrix `[patch, N·HW]` for the weight gradient (im2col writes every element,
            // the padding's zeros too); not built when only the input needs a gradient.
            let cols = !weight.requiresGrad ? [] : withPointers(x.data) { px in
                [Float].filled(patch * columns) { pcols in
                    let cbase = SharedPointer(pcols), xs = SharedConstPointer(px)
                    parallelFor(n) { i in geo.im2col(xs.base + i * imageSize, cbase.base, ld: columns, offset: i * pixels) }
                }
            }
            withPointers(gT, cols) { pg, pcols in
                if weight.requiresGrad {  // dW = gT · colsᵀ
                    weight.accumulateGrad([Float].filled(weight.count) { dw in
                        BLAS.gemm(transA: false, transB: true, m: o, n: patch, k: columns, a: pg, b: pcols, c: dw)
                    })
                }
                if let bias, bias.requiresGrad {
                    var gb = [Float](repeating: 0, count: o)
                    for ch in 0..<o { var s: Float = 0; for j in 0..<columns { s += pg[ch * columns + j] }; gb[ch] = s }
                    bias.accumulateGrad(gb)
                }
                if x.requiresGrad {  // dCols = Wᵀ · gT, folded back image by image
                    var dcols = [Float](repeating: 0, count: patch * columns)
                    withPointers(weight.data) { pw in
                        dcols.withUnsafeMutableBufferPointer { pd in
                            BLAS.gemm(transA: true, transB: false, m: patch, n: columns, k: o, a: pw, b: pg, c: pd.baseAddress!)
                        }
                    }
                    let gx = [Float].filled(x.count) { dx in
                        dx.initialize(repeating: 0, count: x.count)
                        let d = SharedPointer(dx)
                        withPointers(dcols) { pd in
                            let cs = SharedConstPointer(pd)
                            parallelFor(n) { i in geo.col2im(cs.base, ld: columns, offset: i * pixels, d.base + i * imageSize) }
                        }
                    }
                    x.accumulateGrad(gx)
                }
            }
        }
    }

    /// 2×2 max-pooling with stride 2 over `[N, C, H, W]` (odd trailing rows/columns are dropped).
    /// The gradient goes to the first maximum of each window. Planes are spread over the threads;
    /// where the window's maximum came from is kept only when a gradient will be asked for.
    public func maxPool2x2() -> Tensor {
        precondition(rank == 4, "maxPool2x2: needs [N, C, H, W], got \(shape)")
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (oh, ow) = (h / 2, w / 2)
        let tracked = GradMode.isEnabled && requiresGrad  // as `recording` decides
        var argmax = [Int](repeating: 0, count: tracked ? planes * oh * ow : 0)
        let values = withPointers(data) { src in
            [Float].filled(planes * oh * ow) { dst in
                argmax.withUnsafeMutableBufferPointer { pa in
                    let from = SharedConstPointer(src), to = SharedPointer(dst), at = pa.isEmpty ? nil : SharedPointer(pa.baseAddress!)
                    parallelChunks(planes, minChunk: Swift.max(1, 16_384 / Swift.max(1, h * w))) { range in
                        for p in range { for y in 0..<oh { for x in 0..<ow {
                            var best = -Float.infinity, index = 0
                            for dy in 0..<2 { for dx in 0..<2 {
                                let idx = (p * h + 2 * y + dy) * w + 2 * x + dx
                                if from.base[idx] > best || (dy == 0 && dx == 0) { best = from.base[idx]; index = idx }
                            } }
                            let o = (p * oh + y) * ow + x
                            to.base[o] = best
                            at?.base[o] = index
                        } } }
                    }
                }
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
