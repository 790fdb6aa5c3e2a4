/// One attention head in a single pass over cache-resident buffers: S = scale·Q·Kᵀ, a softmax
/// per row of S, O = S·V — without the two OpenBLAS calls (and their packing) it replaces.
///
/// Bit for bit the BLAS path. Every element is rounded exactly as OpenBLAS's SkylakeX kernels
/// round it at these shapes (checked against `cblas_sgemm` by `FusedAttentionKernelTests`):
/// - Q·Kᵀ (column-major TN with M·N > 1200, so the blocked kernel): one fused multiply-add per
///   depth step, in depth order from zero, then one multiplication by `scale`;
/// - S·V (column-major NN with M·N·K ≤ 10⁶, so the "small matrix" kernel): the same for every
///   block of 16 output columns; the last hd mod 16 columns, when there are at most 8 of them and
///   at least 32 tokens, as 16 lane sums (lane l takes the tokens ≡ l mod 16) reduced by the
///   kernel's shuffle tree (``reduceInGroupsOfFour(_:)``; ``reduceByHalves(_:)`` for outputs
///   outside its 4×4 blocks, past the last multiple of 4 in both rows and columns), and
///   otherwise sequentially.
/// Shapes outside that (``supports(tokens:headDim:)`` is false) keep the BLAS path.
public enum FusedAttentionKernel: SIMD16Kernel {
    /// Whether the fused kernel reproduces the BLAS path for `tokens` × `headDim` heads.
    public static func supports(tokens t: Int, headDim hd: Int) -> Bool {
        // Q·Kᵀ must take OpenBLAS's blocked path in one depth block; S·V its small-matrix path.
        let scoresBlocked = t * t > 1200 || hd < 32 || t * t * hd > 1_000_000
        return t >= 1 && hd >= 1 && hd <= 256 && scoresBlocked && hd * t * t <= 1_000_000
    }

    /// Tokens rounded up to whole 16-float vectors: the row stride of the score scratch.
    @inline(__always)
    static func paddedTokens(_ t: Int) -> Int { (t + 15) & ~15 }

    /// Floats of scratch one call needs (Kᵀ, the scores, the transposed tail of V).
    public static func scratchCount(tokens t: Int, headDim hd: Int) -> Int {
        (hd + t + 16) * paddedTokens(t)
    }

    /// out[i, 0..<hd] (row stride `ldo`) = softmax(scale · q kᵀ)[i] · v for one head whose q, k, v
    /// rows (t of them, hd floats each) are `ld` floats apart. `scratch` holds
    /// ``scratchCount(tokens:headDim:)`` floats; `probs`, if given, receives the t×t
    /// probabilities (packed) for a backward pass. Requires ``supports(tokens:headDim:)``.
    public static func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                               out: UnsafeMutablePointer<Float>, ldo: Int, scratch: UnsafeMutablePointer<Float>,
                               probs: UnsafeMutablePointer<Float>? = nil, t: Int, hd: Int, scale: Float) {
        let tp = paddedTokens(t)
        let keysT = scratch                    // [hd, tp]: kᵀ, zero past t
        let scores = scratch + hd * tp         // [t, tp]: scale·q kᵀ, then probabilities; zero past t
        let tailT = scores + t * tp            // [16, tp]: the last hd mod 16 columns of v, transposed
        for p in 0..<hd {
            let row = keysT + p * tp
            for j in 0..<t { row[j] = k[j * ld + p] }
            for j in t..<tp { row[j] = 0 }
        }
        scaledScores(q: q, ld: ld, keysT: keysT, scores: scores, t: t, tp: tp, hd: hd, scale: scale)
        RowKernels.softmaxRows(scores, rows: t, n: t, stride: tp)
        if let probs { for i in 0..<t { (probs + i * t).update(from: scores + i * tp, count: t) } }
        weightedValues(scores: scores, v: v, ld: ld, out: out, ldo: ldo, tailT: tailT, t: t, tp: tp, hd: hd)
    }

    // MARK: - S = scale · Q Kᵀ

    /// scores[i, j] = scale · Σ_p q[i, p] kᵀ[p, j], FMA in p order; columns t..<tp come out zero.
    @inline(__always)
    static func scaledScores(q: UnsafePointer<Float>, ld: Int, keysT: UnsafePointer<Float>,
                             scores: UnsafeMutablePointer<Float>, t: Int, tp: Int, hd: Int, scale: Float) {
        let vectors = tp / 16
        var i = 0
        // Two query rows by four key vectors per step: 4 loads and 2 broadcasts feed 8 FMAs.
        while i + 2 <= t {
            var jv = 0
            while jv + 4 <= vectors {
                var a00 = F16(), a01 = F16(), a02 = F16(), a03 = F16()
                var a10 = F16(), a11 = F16(), a12 = F16(), a13 = F16()
                let q0 = q + i * ld, q1 = q0 + ld, kb = keysT + jv * 16
                for p in 0..<hd {
                    let x0 = F16(repeating: q0[p]), x1 = F16(repeating: q1[p]), kr = kb + p * tp
                    let k0 = load(kr), k1 = load(kr + 16), k2 = load(kr + 32), k3 = load(kr + 48)
                    a00 = a00.addingProduct(x0, k0); a01 = a01.addingProduct(x0, k1)
                    a02 = a02.addingProduct(x0, k2); a03 = a03.addingProduct(x0, k3)
                    a10 = a10.addingProduct(x1, k0); a11 = a11.addingProduct(x1, k1)
                    a12 = a12.addingProduct(x1, k2); a13 = a13.addingProduct(x1, k3)
                }
                let s0 = scores + i * tp + jv * 16, s1 = s0 + tp
                store(a00 * scale, s0); store(a01 * scale, s0 + 16); store(a02 * scale, s0 + 32); store(a03 * scale, s0 + 48)
                store(a10 * scale, s1); store(a11 * scale, s1 + 16); store(a12 * scale, s1 + 32); store(a13 * scale, s1 + 48)
                jv += 4
            }
            for rest in jv..<vectors {
                scoreVector(q: q + i * ld, keysT: keysT + rest * 16, scores: scores + i * tp + rest * 16, tp: tp, hd: hd, scale: scale)
                scoreVector(q: q + (i + 1) * ld, keysT: keysT + rest * 16, scores: scores + (i + 1) * tp + rest * 16,
                            tp: tp, hd: hd, scale: scale)
            }
            i += 2
        }
        if i < t {
            for jv in 0..<vectors {
                scoreVector(q: q + i * ld, keysT: keysT + jv * 16, scores: scores + i * tp + jv * 16, tp: tp, hd: hd, scale: scale)
            }
        }
    }

    /// 16 scores of one query row (the slow remainder of ``scaledScores``).
    @inline(__always)
    static func scoreVector(q: UnsafePointer<Float>, keysT: UnsafePointer<Float>, scores: UnsafeMutablePointer<Float>,
                            tp: Int, hd: Int, scale: Float) {
        var acc = F16()
        for p in 0..<hd { acc = acc.addingProduct(F16(repeating: q[p]), load(keysT + p * tp)) }
        store(acc * scale, scores)
    }

    // MARK: - O = P V

    /// out[i, c] = Σ_j scores[i, j] v[j, c] with the rounding of OpenBLAS's small NN kernel.
    @inline(__always)
    static func weightedValues(scores: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                               out: UnsafeMutablePointer<Float>, ldo: Int, tailT: UnsafeMutablePointer<Float>,
                               t: Int, tp: Int, hd: Int) {
        let vectors = hd / 16
        var i = 0
        // Two rows by two value vectors per step: 2 loads and 2 broadcasts feed 4 FMAs.
        while i + 2 <= t {
            let p0 = scores + i * tp, p1 = p0 + tp
            var cv = 0
            while cv + 2 <= vectors {
                var a00 = F16(), a01 = F16(), a10 = F16(), a11 = F16()
                let vb = v + cv * 16
                for j in 0..<t {
                    let w0 = F16(repeating: p0[j]), w1 = F16(repeating: p1[j]), vr = vb + j * ld
                    let v0 = load(vr), v1 = load(vr + 16)
                    a00 = a00.addingProduct(w0, v0); a01 = a01.addingProduct(w0, v1)
                    a10 = a10.addingProduct(w1, v0); a11 = a11.addingProduct(w1, v1)
                }
                let o0 = out + i * ldo + cv * 16, o1 = o0 + ldo
                store(a00, o0); store(a01, o0 + 16); store(a10, o1); store(a11, o1 + 16)
                cv += 2
            }
            if cv < vectors {
                valueVector(weights: p0, v: v + cv * 16, ld: ld, out: out + i * ldo + cv * 16, t: t)
                valueVector(weights: p1, v: v + cv * 16, ld: ld, out: out + (i + 1) * ldo + cv * 16, t: t)
            }
            i += 2
        }
        if i < t {
            for cv in 0..<vectors { valueVector(weights: scores + i * tp, v: v + cv * 16, ld: ld, out: out + i * ldo + cv * 16, t: t) }
        }
        let first = vectors * 16, tail = hd - first
        guard tail > 0 else { return }
        if tail > 8 || t < 32 {
            // OpenBLAS's masked 16-wide path: still one FMA per token, in order.
            for r in 0..<t {
                for c in first..<hd {
                    var acc: Float = 0
                    for j in 0..<t { acc = acc.addingProduct(scores[r * tp + j], v[j * ld + c]) }
                    out[r * ldo + c] = acc
                }
            }
            return
        }
        // OpenBLAS's "dot-like" path for at most 8 trailing columns: lanes over tokens, then a tree.
        for c in 0..<tail {
            let row = tailT + c * tp
            for j in 0..<t { row[j] = v[j * ld + first + c] }
            for j in t..<tp { row[j] = 0 }
        }
        // The 4×4-blocked part of the output reduces by groups of four, the rest by halves.
        let groupedColumns = hd & ~3, groupedRows = t & ~3
        for r in 0..<t {
            let weights = scores + r * tp
            for c in 0..<tail {
                var lanes = F16()
                for chunk in stride(from: 0, to: tp, by: 16) {
                    lanes = lanes.addingProduct(load(weights + chunk), load(tailT + c * tp + chunk))
                }
                let grouped = first + c < groupedColumns || r < groupedRows
                out[r * ldo + first + c] = grouped ? reduceInGroupsOfFour(lanes) : reduceByHalves(lanes)
            }
        }
    }

    /// 16 outputs of one row (the slow remainder of ``weightedValues``).
    @inline(__always)
    static func valueVector(weights: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                            out: UnsafeMutablePointer<Float>, t: Int) {
        var acc = F16()
        for j in 0..<t { acc = acc.addingProduct(F16(repeating: weights[j]), load(v + j * ld)) }
        store(acc, out)
    }

    // MARK: - The kernel's reductions of 16 lanes

    /// The unpack/shuffle tree of OpenBLAS's 4-row reduction: adjacent pairs within each group of
    /// four lanes, then the four group sums pairwise.
    @inline(__always)
    static func reduceInGroupsOfFour(_ a: F16) -> Float {
        let g0 = (a[0] + a[1]) + (a[2] + a[3]), g1 = (a[4] + a[5]) + (a[6] + a[7])
        let g2 = (a[8] + a[9]) + (a[10] + a[11]), g3 = (a[12] + a[13]) + (a[14] + a[15])
        return (g0 + g1) + (g2 + g3)
    }

    /// `_mm512_reduce_add_ps` as GCC builds it: halves added lane by lane, 16 → 8 → 4 → 2 → 1.
    @inline(__always)
    static func reduceByHalves(_ a: F16) -> Float {
        let h = a.lowHalf + a.highHalf
        let q = h.lowHalf + h.highHalf
        return (q[0] + q[2]) + (q[1] + q[3])
    }

}
