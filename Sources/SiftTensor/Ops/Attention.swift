import Foundation

/// Fused scaled dot-product attention: softmax(Q·Kᵀ/√d)·V per batch item and head, with gradients.

extension Tensor {
    /// Attention over `q`, `k`, `v` of shape `[B, H, T, D]` (no mask); result `[B, H, T, D]`.
    /// The attention weights are kept for the backward pass only while recording.
    public static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor {
        precondition(q.rank == 4 && q.shape == k.shape && q.shape == v.shape,
                     "attention: q \(q.shape), k \(k.shape), v \(v.shape) must be equal [B, H, T, D]")
        let (heads, t, d) = (q.shape[0] * q.shape[1], q.shape[2], q.shape[3])
        let scale = 1 / Float(d).squareRoot()
        let recording = GradMode.isEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad)
        var probs = [Float](repeating: 0, count: recording ? heads * t * t : 0)
        let values = withPointers(q.data, k.data) { pq, pk in
            withPointers(v.data) { pv in
                [Float].filled(q.count) { out in
                    let qs = SharedConstPointer(pq), ks = SharedConstPointer(pk), vs = SharedConstPointer(pv)
                    let os = SharedPointer(out)
                    probs.withUnsafeMutableBufferPointer { pp in
                        let keep = recording ? SharedPointer(pp.baseAddress!) : nil
                        parallelFor(heads) { hIndex in
                            let off = hIndex * t * d
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: AttentionKernel.scratchCount(t: t, d: d))
                            defer { scratch.deallocate() }
                            AttentionKernel.forwardHead(q: qs.base + off, k: ks.base + off, v: vs.base + off, ld: d,
                                                        out: os.base + off, ldo: d, scratch: scratch,
                                                        probs: keep.map { $0.base + hIndex * t * t }, t: t, d: d, scale: scale)
                        }
                    }
                }
            }
        }
        let shape = q.shape
        return Tensor(values, shape: shape).recording([q, k, v]) { g in
            var gq = [Float](repeating: 0, count: q.count), gk = gq, gv = gq
            gq.withUnsafeMutableBufferPointer { pgq in gk.withUnsafeMutableBufferPointer { pgk in gv.withUnsafeMutableBufferPointer { pgv in
                let dq = SharedPointer(pgq.baseAddress!), dk = SharedPointer(pgk.baseAddress!), dv = SharedPointer(pgv.baseAddress!)
                withPointers(g, probs) { pg, pp in
                    withPointers(q.data, k.data) { pq, pk in
                        withPointers(v.data) { pv in
                            let (sg, sp, sq, sk, sv) = (SharedConstPointer(pg), SharedConstPointer(pp), SharedConstPointer(pq),
                                                        SharedConstPointer(pk), SharedConstPointer(pv))
                            // Heads are independent and write disjoint slices: spread them over threads.
                            parallelFor(heads) { hIndex in
                                let off = hIndex * t * d
                                AttentionKernel.backwardHead(
                                    dOut: sg.base + off, ldg: d, probs: sp.base + hIndex * t * t, q: sq.base + off, k: sk.base + off,
                                    v: sv.base + off, ld: d, dq: dq.base + off, dk: dk.base + off, dv: dv.base + off, ldd: d,
                                    t: t, d: d, scale: scale)
                            }
                        }
                    }
                }
            } } }
            q.accumulateGrad(gq); k.accumulateGrad(gk); v.accumulateGrad(gv)
        }
    }

    /// Attention read straight from a fused projection: `qkv` `[N, T, 3·D]` holds each token's
    /// q, k and v, each split into `heads` heads of D / `heads` floats (the layout of
    /// `nn.Linear(D, 3D)` reshaped to `[N, T, 3, H, hd]`); result `[N, T, D]` with the heads side
    /// by side. The same values and gradients, bit for bit, as permuting `qkv` to
    /// `[3, N, H, T, hd]`, chunking it, ``attention(_:_:_:)`` and permuting back — without those
    /// three copies (and their three copies back in the backward pass): the kernels read and
    /// write the heads where they lie.
    public static func attention(qkv: Tensor, heads: Int) -> Tensor {
        precondition(qkv.rank == 3 && heads > 0 && qkv.shape[2] % (3 * heads) == 0,
                     "attention: qkv \(qkv.shape) must be [N, T, 3·D] with D a multiple of \(heads) heads")
        let (n, t, d) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3), hd = d / heads
        let recording = GradMode.isEnabled && qkv.requiresGrad
        var probs = [Float](repeating: 0, count: recording ? n * heads * t * t : 0)
        let values = withPointers(qkv.data) { px in
            [Float].filled(n * t * d) { out in
                probs.withUnsafeMutableBufferPointer { pp in
                    AttentionKernel.packedForward(qkv: px, out: out, probs: recording ? pp.baseAddress! : nil, n: n, tokens: t, d: d, heads: heads)
                }
            }
        }
        return Tensor(values, shape: [n, t, d]).recording([qkv]) { g in
            let grad = withPointers(g, probs) { pg, pp in
                withPointers(qkv.data) { px in
                    [Float].filled(qkv.count) { dx in
                        let (sg, sp, sx, sd) = (SharedConstPointer(pg), SharedConstPointer(pp), SharedConstPointer(px), SharedPointer(dx))
                        parallelFor(n * heads) { i in
                            let at = AttentionKernel.packedOffsets(i, heads: heads, tokens: t, d: d)
                            let q = sx.base + at.input, dq = sd.base + at.input
                            AttentionKernel.backwardHead(dOut: sg.base + at.output, ldg: d, probs: sp.base + i * t * t,
                                                         q: q, k: q + d, v: q + 2 * d, ld: 3 * d, dq: dq, dk: dq + d, dv: dq + 2 * d, ldd: 3 * d,
                                                         t: t, d: hd, scale: 1 / Float(hd).squareRoot())
                        }
                    }
                }
            }
            qkv.accumulateGrad(grad)
        }
    }
}

/// Per-head attention kernels on raw buffers (single-threaded; callers spread heads over cores).
public enum AttentionKernel {
    /// Floats of scratch ``forwardHead(q:k:v:ld:out:ldo:scratch:probs:t:d:scale:)`` needs.
    public static func scratchCount(t: Int, d: Int) -> Int {
        Swift.max(t * t, FusedAttentionKernel.scratchCount(tokens: t, headDim: d))
    }

    /// out (T×D, rows `ldo` apart) = softmax(scale · q kᵀ) v for one head whose q, k, v rows are
    /// `ld` apart; `probs` (T×T), if given, receives the probabilities. The fused kernel where it
    /// reproduces the BLAS path bit for bit, the two BLAS products otherwise.
    @inline(__always)
    public static func forwardHead(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                                   out: UnsafeMutablePointer<Float>, ldo: Int, scratch: UnsafeMutablePointer<Float>,
                                   probs: UnsafeMutablePointer<Float>?, t: Int, d: Int, scale: Float) {
        if FusedAttentionKernel.supports(tokens: t, headDim: d) {
            FusedAttentionKernel.forward(q: q, k: k, v: v, ld: ld, out: out, ldo: ldo, scratch: scratch, probs: probs,
                                         t: t, hd: d, scale: scale)
        } else {
            blasForwardHead(q: q, k: k, v: v, ld: ld, out: out, ldo: ldo, scores: scratch, t: t, d: d, scale: scale)
            if let probs { probs.update(from: scratch, count: t * t) }
        }
    }

    /// Where head `i` of a fused projection lies (sample i / heads, head i % heads): its q at
    /// `input` floats into `qkv` `[n, tokens, 3·d]` (k and v d and 2·d further, rows 3·d apart),
    /// its output at `output` floats into `[n, tokens, d]` (rows d apart).
    @inline(__always)
    static func packedOffsets(_ i: Int, heads: Int, tokens: Int, d: Int) -> (input: Int, output: Int) {
        let (sample, head) = (i / heads, i % heads), hd = d / heads
        return (sample * tokens * 3 * d + head * hd, sample * tokens * d + head * hd)
    }

    /// Every head's attention read from a fused projection `qkv` `[n, tokens, 3·d]` into `out`
    /// `[n, tokens, d]` (heads of d / `heads` floats side by side), the probabilities into `probs`
    /// `[n·heads, tokens, tokens]` when given (for a backward pass). Heads are spread over threads,
    /// each with ``scratchCount(t:d:)`` floats of its own: taken from `scratch` when given (then
    /// at most as many threads as it has room for), allocated otherwise.
    public static func packedForward(qkv: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>?,
                                     n: Int, tokens t: Int, d: Int, heads: Int, scratch: UnsafeMutableBufferPointer<Float>? = nil) {
        let hd = d / heads, scale = 1 / Float(hd).squareRoot(), items = n * heads
        let perWorker = scratchCount(t: t, d: hd)
        let workers = Swift.max(1, Swift.min(Threads.count, items, scratch.map { $0.count / perWorker } ?? items))
        let (x, o) = (SharedConstPointer(qkv), SharedPointer(out)), keep = probs.map(SharedPointer.init)
        let given = scratch?.baseAddress.map(SharedPointer.init)
        parallelFor(workers) { worker in
            let own = given == nil ? UnsafeMutablePointer<Float>.allocate(capacity: perWorker) : nil
            defer { own?.deallocate() }
            let workspace = own ?? given!.base + worker * perWorker
            var i = worker
            while i < items {
                let at = packedOffsets(i, heads: heads, tokens: t, d: d), q = x.base + at.input
                forwardHead(q: q, k: q + d, v: q + 2 * d, ld: 3 * d, out: o.base + at.output, ldo: d, scratch: workspace,
                            probs: keep.map { $0.base + i * t * t }, t: t, d: hd, scale: scale)
                i += workers
            }
        }
    }

    /// The two-product form: scores (T×T) = scale · q kᵀ by BLAS, softmax by row, out = scores · v.
    /// The reference the fused kernel is tested against.
    public static func blasForwardHead(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                                       out: UnsafeMutablePointer<Float>, ldo: Int, scores: UnsafeMutablePointer<Float>,
                                       t: Int, d: Int, scale: Float) {
        BLAS.sgemm(transA: false, transB: true, m: t, n: t, k: d, alpha: scale, a: q, lda: ld, b: k, ldb: ld, c: scores, ldc: t)
        for r in 0..<t { RowKernels.softmax(scores + r * t, t) }
        BLAS.sgemm(transA: false, transB: false, m: t, n: d, k: t, a: scores, lda: t, b: v, ldb: ld, c: out, ldc: ldo)
    }

    /// Gradients of one head: dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
    /// dQ = scale · dS K, dK = scale · dSᵀ Q (each T×D, written to the given pointers). Rows of
    /// `dOut` are `ldg` floats apart, of q, k, v `ld`, of dq, dk, dv `ldd` (P is packed T×T).
    static func backwardHead(dOut: UnsafePointer<Float>, ldg: Int, probs: UnsafePointer<Float>, q: UnsafePointer<Float>,
                             k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                             dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>, ldd: Int,
                             t: Int, d: Int, scale: Float) {
        let dpp = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
        defer { dpp.deallocate() }
        BLAS.sgemm(transA: true, transB: false, m: t, n: d, k: t, a: probs, lda: t, b: dOut, ldb: ldg, c: dv, ldc: ldd)
        BLAS.sgemm(transA: false, transB: true, m: t, n: t, k: d, a: dOut, lda: ldg, b: v, ldb: ld, c: dpp, ldc: t)
        for r in 0..<t {
            var dot: Float = 0
            for c in 0..<t { dot += dpp[r * t + c] * probs[r * t + c] }
            for c in 0..<t { dpp[r * t + c] = probs[r * t + c] * (dpp[r * t + c] - dot) }
        }
        BLAS.sgemm(transA: false, transB: false, m: t, n: d, k: t, alpha: scale, a: dpp, lda: t, b: k, ldb: ld, c: dq, ldc: ldd)
        BLAS.sgemm(transA: true, transB: false, m: t, n: d, k: t, alpha: scale, a: dpp, lda: t, b: q, ldb: ld, c: dk, ldc: ldd)
    }
}
