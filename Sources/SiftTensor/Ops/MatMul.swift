/// Matrix products (plain, transposed, batched, broadcast) and fused linear layers, with gradients.

extension Tensor {
    /// Batched matrix product `op(a) · op(b)` over the last two axes.
    ///
    /// `a`: `[..., M, K]` (`[..., K, M]` if `transposeA`), `b`: `[K, N]` or `[..., K, N]`
    /// (`[N, K]`/`[..., N, K]` if `transposeB`). Leading (batch) axes must match, or one operand
    /// may be 2-D and is then shared by every batch item. Result: `[..., M, N]`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs rank ≥ 2, got \(a.shape) and \(b.shape)")
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        precondition(aBatch == bBatch || a.rank == 2 || b.rank == 2,
                     "matmul: batch axes \(aBatch) and \(bBatch) differ")
        let batchShape = aBatch.count >= bBatch.count ? aBatch : bBatch
        let batch = batchShape.product
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        precondition(k == k2, "matmul: inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let aStride = a.rank == 2 ? 0 : m * k, bStride = b.rank == 2 ? 0 : k * n
        // A shared right operand with an untransposed left one is one tall product.
        let flatten = bStride == 0 && !transposeA && batch > 1
        let values = withPointers(a.data, b.data) { pa, pb in
            [Float].filled(batch * m * n) { pc in
                if flatten && BLASCore.openBLASMatchesOwnKernels {
                    BLAS.gemm(transA: false, transB: transposeB, m: batch * m, n: n, k: k, a: pa, b: pb, c: pc, batchStable: true)
                } else if flatten && k > 0 {
                    // Sift's own product, which rounds as the batch-stable BLAS one with the
                    // SkylakeX kernels: a row must not depend on how many rows came with it.
                    PackedLinear(weight: pb, inFeatures: k, outFeatures: n, outputMajor: transposeB).apply(pa, rows: batch * m, out: pc)
                } else {
                    BLAS.batchedGemm(batch: batch, transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                                     a: pa, aStride: aStride, b: pb, bStride: bStride, c: pc, cStride: m * n)
                }
            }
        }
        return Tensor(values, shape: batchShape + [m, n]).recording([a, b]) { g in
            withPointers(g, a.data) { pg, pa in
                withPointers(b.data) { pb in
                    if a.requiresGrad {
                        let ga = [Float].filled(a.count) { dst in
                            if flatten {  // dA = dC · op(B)ᵀ, op(B)ᵀ being B itself when transposeB
                                Tensor.rowStableProduct(pg, rows: batch * m, inner: n, weight: pb, weightIsOutputMajor: !transposeB,
                                                        outputs: k, out: dst)
                            } else if !transposeA {  // dA = dC · op(B)ᵀ
                                BLAS.batchedGemm(batch: batch, transA: false, transB: !transposeB, m: m, n: k, k: n,
                                                 a: pg, aStride: m * n, b: pb, bStride: bStride, c: dst, cStride: aStride)
                            } else {  // dA (K×M) = op(B) · dCᵀ
                                BLAS.batchedGemm(batch: batch, transA: transposeB, transB: true, m: k, n: m, k: n,
                                                 a: pb, aStride: bStride, b: pg, bStride: m * n, c: dst, cStride: aStride)
                            }
                        }
                        a.accumulateGrad(ga)
                    }
                    if b.requiresGrad {
                        let gb = [Float].filled(b.count) { dst in
                            if flatten {
                                if transposeB {
                                    Tensor.weightGradient(pg, b: pa, m: n, n: k, depth: batch * m, out: dst)
                                } else {
                                    Tensor.weightGradient(pa, b: pg, m: k, n: n, depth: batch * m, out: dst)
                                }
                            } else if !transposeB {  // dB (K×N) = op(A)ᵀ · dC
                                BLAS.batchedGemm(batch: batch, transA: !transposeA, transB: false, m: k, n: n, k: m,
                                                 a: pa, aStride: aStride, b: pg, bStride: m * n, c: dst, cStride: bStride)
                            } else {  // dB (N×K) = dCᵀ · op(A)
                                BLAS.batchedGemm(batch: batch, transA: true, transB: transposeA, m: n, n: k, k: m,
                                                 a: pg, aStride: m * n, b: pa, bStride: aStride, c: dst, cStride: bStride)
                            }
                        }
                        b.accumulateGrad(gb)
                    }
                }
            }
        }
    }

    /// A fully connected layer `x · Wᵀ + bias` over the last axis, as PyTorch's `nn.Linear`:
    /// `x` `[..., in]`, `weight` `[out, in]`, `bias` `[out]`; result `[..., out]`.
    /// The product runs on ``PackedLinear`` (packed once per call) at every row count: its rounding
    /// is Sift's own (one FMA chain per depth chunk), the same on every CPU and for every batch size.
    /// OpenBLAS's equals it only with the SkylakeX kernels; with the Haswell ones (AVX2 machines) a
    /// BLAS path for small row counts made a row's bits depend on how many rows came with it.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2 && x.shape.last == weight.shape[1],
                     "linear: input \(x.shape) does not fit weight \(weight.shape)")
        let (outF, inF) = (weight.shape[0], weight.shape[1])
        if let bias { precondition(bias.shape == [outF], "linear: bias \(bias.shape) for \(outF) outputs") }
        let rows = inF == 0 ? 0 : x.count / inF
        let values: [Float]
        if inF > 0 && outF > 0 {
            let layer = PackedLinear.cached(weight: weight, bias: bias)
            values = withPointers(x.data) { px in [Float].filled(rows * outF) { layer.apply(px, rows: rows, out: $0) } }
        } else {  // no outputs, or no inputs (then no rows)
            values = []
        }
        let outShape = Array(x.shape.dropLast()) + [outF]
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        return Tensor(values, shape: outShape).recording(inputs) { g in
            withPointers(g, x.data) { pg, px in
                if x.requiresGrad {
                    x.accumulateGrad(withPointers(weight.data) { pw in
                        [Float].filled(x.count) {  // dx = g · W, W [outF, inF]
                            Tensor.rowStableProduct(pg, rows: rows, inner: outF, weight: pw, weightIsOutputMajor: false, outputs: inF, out: $0)
                        }
                    })
                }
                if weight.requiresGrad {
                    weight.accumulateGrad([Float].filled(weight.count) {  // dW = gᵀ · x
                        Tensor.weightGradient(pg, b: px, m: outF, n: inF, depth: rows, out: $0)
                    })
                }
                if let bias, bias.requiresGrad {
                    bias.accumulateGrad(Broadcast.sum(g, from: [rows, outF], to: [outF]))
                }
            }
        }
    }

    /// `out[m, n] = aᵀ · b` for `a` `[depth, m]` and `b` `[depth, n]` (row-major): the weight
    /// gradients of linear layers and shared-weight products. On ``WeightGradientKernel`` where it
    /// takes the shape (whole tiles, AVX-512 builds: results independent of the thread count),
    /// OpenBLAS otherwise.
    static func weightGradient(_ a: UnsafePointer<Float>, b: UnsafePointer<Float>, m: Int, n: Int, depth: Int,
                               out: UnsafeMutablePointer<Float>) {
        if WeightGradientKernel.supports(m: m, n: n, k: depth) {
            WeightGradientKernel.product(a: a, b: b, m: m, n: n, k: depth, c: out)
        } else {
            BLAS.gemm(transA: true, transB: false, m: m, n: n, k: depth, a: a, b: b, c: out)
        }
    }

    /// `out[rows, outputs] = a[rows, inner] · w`, with `w` given as `[outputs, inner]`
    /// (`weightIsOutputMajor`) or `[inner, outputs]`, row-major: the input gradients of a linear
    /// layer and of a shared-weight product. A row's bits must not depend on the thread count (a
    /// gradient search's result would), so this runs on ``PackedLinear`` on every CPU: OpenBLAS's
    /// Haswell kernels split some products differently with one thread than with two, and its
    /// plain product may split depths over ``BLAS/stableDepth`` by thread count with any kernels.
    /// On the AVX-512 machine the golden digests stayed the same and a training step took as long
    /// as on OpenBLAS's product (within the machine's noise). Convolutions' input gradients are
    /// not routed here yet.
    static func rowStableProduct(_ a: UnsafePointer<Float>, rows: Int, inner: Int, weight w: UnsafePointer<Float>,
                                 weightIsOutputMajor: Bool, outputs: Int, out: UnsafeMutablePointer<Float>) {
        guard rows > 0, outputs > 0 else { return }
        guard inner > 0 else { out.initialize(repeating: 0, count: rows * outputs); return }
        PackedLinear(weight: w, inFeatures: inner, outFeatures: outputs, outputMajor: weightIsOutputMajor).apply(a, rows: rows, out: out)
    }
}
