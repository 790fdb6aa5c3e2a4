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
///   kernel's shuffle tree (pairs within groups of four lanes, then the group sums pairwise; lane
///   halves 16 → 8 → 4 → 2 → 1 for outputs outside its 4×4 blocks, past the last multiple of 4 in
///   both rows and columns), and otherwise sequentially (``tailColumns``).
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
            var key = k + p  // k[j, p], a running pointer down the column
            for j in 0..<t { row[j] = key.pointee; key += ld }
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
        #if !SIFT_AVX512
        // AVX2 (16 registers of 8 floats): one query row by four key vectors per step (8
        // accumulators); the two-row step below would spill. Same FMA chains, same bits.
        while i < t {
            var jv = 0
            while jv + 4 <= vectors {
                var a0 = F16(), a1 = F16(), a2 = F16(), a3 = F16()
                let q0 = q + i * ld, kb = keysT + jv * 16
                for p in 0..<hd {
                    let x0 = F16(repeating: q0[p]), kr = kb + p * tp
                    a0 = a0.addingProduct(x0, load(kr)); a1 = a1.addingProduct(x0, load(kr + 16))
                    a2 = a2.addingProduct(x0, load(kr + 32)); a3 = a3.addingProduct(x0, load(kr + 48))
                }
                let s0 = scores + i * tp + jv * 16
                store(a0 * scale, s0); store(a1 * scale, s0 + 16); store(a2 * scale, s0 + 32); store(a3 * scale, s0 + 48)
                jv += 4
            }
            for rest in jv..<vectors {
                scoreVector(q: q + i * ld, keysT: keysT + rest * 16, scores: scores + i * tp + rest * 16, tp: tp, hd: hd, scale: scale)
            }
            i += 1
        }
        #endif
        // Two query rows by four key vectors per step: 4 loads and 2 broadcasts feed 8 FMAs.
        while i + 2 <= t {
            var jv = 0
            while jv + 4 <= vectors {
                var a00 = F16(), a01 = F16(), a02 = F16(), a03 = F16()
                var a10 = F16(), a11 = F16(), a12 = F16(), a13 = F16()
                let q0 = q + i * ld, q1 = q0 + ld, kb = keysT + jv * 16
                var kr = kb  // kᵀ's row p
                for p in 0..<hd {
                    let x0 = F16(repeating: q0[p]), x1 = F16(repeating: q1[p])
                    let k0 = load(kr), k1 = load(kr + 16), k2 = load(kr + 32), k3 = load(kr + 48)
                    kr += tp
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
        let vectors = hd / 16, pairedVectors = vectors & ~1
        var i = 0
        // Two rows by two value vectors per step: 2 loads and 2 broadcasts feed 4 FMAs.
        while i + 2 <= t {
            let p0 = scores + i * tp, p1 = p0 + tp
            var cv = 0
            while cv < pairedVectors {
                var a00 = F16(), a01 = F16(), a10 = F16(), a11 = F16()
                let vb = v + cv * 16
                var vr = vb  // v's row j (a running pointer: no index product in the loop)
                for j in 0..<t {
                    let w0 = F16(repeating: p0[j]), w1 = F16(repeating: p1[j])
                    let v0 = load(vr), v1 = load(vr + 16)
                    a00 = a00.addingProduct(w0, v0); a01 = a01.addingProduct(w0, v1)
                    a10 = a10.addingProduct(w1, v0); a11 = a11.addingProduct(w1, v1)
                    vr += ld
                }
                let o0 = out + i * ldo + cv * 16, o1 = o0 + ldo
                store(a00, o0); store(a01, o0 + 16); store(a10, o1); store(a11, o1 + 16)
                cv += 2
            }
            i += 2
        }
        if i < t {
            for cv in 0..<pairedVectors { valueVector(weights: scores + i * tp, v: v + cv * 16, ld: ld, out: out + i * ldo + cv * 16, t: t) }
        }
        // An odd last value vector: four rows at a time, so four independent chains hide the FMA latency.
        if vectors > pairedVectors {
            let vb = v + pairedVectors * 16
            var r = 0
            while r + 4 <= t {
                let p0 = scores + r * tp, p1 = p0 + tp, p2 = p1 + tp, p3 = p2 + tp
                var a0 = F16(), a1 = F16(), a2 = F16(), a3 = F16()
                for j in 0..<t {
                    let vr = load(vb + j * ld)
                    a0 = a0.addingProduct(F16(repeating: p0[j]), vr); a1 = a1.addingProduct(F16(repeating: p1[j]), vr)
                    a2 = a2.addingProduct(F16(repeating: p2[j]), vr); a3 = a3.addingProduct(F16(repeating: p3[j]), vr)
                }
                let o = out + r * ldo + pairedVectors * 16
                store(a0, o); store(a1, o + ldo); store(a2, o + 2 * ldo); store(a3, o + 3 * ldo)
                r += 4
            }
            for rest in r..<t { valueVector(weights: scores + rest * tp, v: vb, ld: ld, out: out + rest * ldo + pairedVectors * 16, t: t) }
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
        tailColumns(scores: scores, v: v + first, ld: ld, out: out + first, ldo: ldo, staged: tailT,
                    t: t, tp: tp, tail: tail, groupedColumns: (hd & ~3) - first)
    }

    /// OpenBLAS's "dot-like" path for the last `tail` ≤ 8 columns: column c of row r is 16 lane
    /// sums (lane l takes the tokens ≡ l mod 16, one FMA per token in order, the padded tokens
    /// adding 0·0), reduced inside the kernel's 4×4 blocks (columns below `groupedColumns`, or any
    /// of the first t & ~3 rows) by its unpack/shuffle tree — adjacent pairs within each group of
    /// four lanes, then the four group sums pairwise — and outside them as `_mm512_reduce_add_ps`
    /// (as GCC builds it): lane halves added, 16 → 8 → 4 → 2 → 1.
    /// Computed with the columns across the lanes of an 8-float vector: lane sum l of every column
    /// at once (`sums[l]`), then the same trees on those vectors, so each column gets the bits of
    /// its own 16-lane form. `staged` holds the tail of v, `[tp, 8]`, zero past `tail` and `t`.
    @inline(__always)
    static func tailColumns(scores: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                            out: UnsafeMutablePointer<Float>, ldo: Int, staged: UnsafeMutablePointer<Float>,
                            t: Int, tp: Int, tail: Int, groupedColumns: Int) {
        typealias F8 = SIMD8<Float>
        for j in 0..<tp {
            let row = staged + j * 8
            for c in 0..<8 { row[c] = j < t && c < tail ? v[j * ld + c] : 0 }
        }
        let groupedRows = t & ~3
        var halvesLanes = SIMDMask<SIMD8<Int32>>()
        for c in 0..<8 { halvesLanes[c] = c >= groupedColumns }
        withUnsafeTemporaryAllocation(of: F8.self, capacity: 16) { buffer in
        let sums = buffer.baseAddress!
        for r in 0..<t {
            let weights = scores + r * tp
            for l in 0..<16 { sums[l] = F8() }
            for chunk in stride(from: 0, to: tp, by: 16) {
                for l in 0..<16 {
                    let j = chunk + l
                    sums[l] = sums[l].addingProduct(F8(repeating: weights[j]), UnsafeRawPointer(staged + j * 8).loadUnaligned(as: F8.self))
                }
            }
            let a = sums
            let g0 = (a[0] + a[1]) + (a[2] + a[3]), g1 = (a[4] + a[5]) + (a[6] + a[7])
            let g2 = (a[8] + a[9]) + (a[10] + a[11]), g3 = (a[12] + a[13]) + (a[14] + a[15])
            var result = (g0 + g1) + (g2 + g3)
            if r >= groupedRows {
                let h0 = a[0] + a[8], h1 = a[1] + a[9], h2 = a[2] + a[10], h3 = a[3] + a[11]
                let h4 = a[4] + a[12], h5 = a[5] + a[13], h6 = a[6] + a[14], h7 = a[7] + a[15]
                let q0 = h0 + h4, q1 = h1 + h5, q2 = h2 + h6, q3 = h3 + h7
                result.replace(with: (q0 + q2) + (q1 + q3), where: halvesLanes)
            }
            for c in 0..<tail { out[r * ldo + c] = result[c] }
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
}
