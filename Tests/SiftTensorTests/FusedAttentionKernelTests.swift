import Foundation
import Testing
@testable import SiftTensor

/// The fused attention kernel must give the BLAS path's bits (so committed results regenerate
/// unchanged) at every shape it claims, and be a correct attention everywhere.
@Suite struct FusedAttentionKernelTests {
    /// Head dimensions covering each of the kernel's column paths: whole vectors only (16, 32, 64),
    /// a grouped-by-four tail (8, 24, 40), a tail with a by-halves remainder (18, 22), and a tail
    /// too wide for OpenBLAS's dot-like path (12 + 16 = 28 → tail 12).
    static let headDims = [8, 16, 18, 22, 24, 28, 32, 40, 64]

    /// Only where OpenBLAS rounds as the kernel models (its SkylakeX kernels); elsewhere the kernel
    /// is checked against a naive attention (below) and for batch invariance by the model tests.
    @Test(.enabled(if: BLASCore.openBLASMatchesOwnKernels, "OpenBLAS's kernel set is not the one the fused kernel reproduces"),
          arguments: [49, 36, 50, 64], headDims)
    func matchesTheBLASPathBitForBit(t: Int, hd: Int) {
        let heads = 3, d = heads * hd, ld = 3 * d
        #expect(FusedAttentionKernel.supports(tokens: t, headDim: hd))
        let qkv = Philox(seed: UInt64(hd)).normals(t * ld).map { $0 * 2 }
        let scale = 1 / Float(hd).squareRoot()
        var fused = [Float](repeating: .nan, count: t * d), blas = fused
        var probs = [Float](repeating: .nan, count: t * t), blasScores = probs
        var scratch = [Float](repeating: .nan, count: AttentionKernel.scratchCount(t: t, d: hd))
        for h in 0..<heads {
            qkv.withUnsafeBufferPointer { p in
                fused.withUnsafeMutableBufferPointer { f in
                    blas.withUnsafeMutableBufferPointer { b in
                        let q = p.baseAddress! + h * hd
                        FusedAttentionKernel.forward(q: q, k: q + d, v: q + 2 * d, ld: ld, out: f.baseAddress! + h * hd, ldo: d,
                                                     scratch: &scratch, probs: &probs, t: t, hd: hd, scale: scale)
                        AttentionKernel.blasForwardHead(q: q, k: q + d, v: q + 2 * d, ld: ld, out: b.baseAddress! + h * hd, ldo: d,
                                                        scores: &blasScores, t: t, d: hd, scale: scale)
                    }
                }
            }
            #expect(probs.map(\.bitPattern) == blasScores.map(\.bitPattern), "hd \(hd) head \(h): probabilities")
        }
        let differing = zip(fused, blas).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "t \(t) hd \(hd): \(differing) of \(fused.count) outputs differ from the BLAS path")
    }

    @Test func agreesWithANaiveAttention() {
        // Independent of OpenBLAS: softmax(q kᵀ/√hd) v in Double.
        let t = 49, hd = 24
        let q = Philox(seed: 7).normals(t * hd), k = Philox(seed: 8).normals(t * hd), v = Philox(seed: 9).normals(t * hd)
        var out = [Float](repeating: 0, count: t * hd)
        var scratch = [Float](repeating: 0, count: FusedAttentionKernel.scratchCount(tokens: t, headDim: hd))
        FusedAttentionKernel.forward(q: q, k: k, v: v, ld: hd, out: &out, ldo: hd, scratch: &scratch,
                                     t: t, hd: hd, scale: 1 / Float(hd).squareRoot())
        for i in 0..<t {
            var logits = (0..<t).map { j in (0..<hd).reduce(0.0) { $0 + Double(q[i * hd + $1]) * Double(k[j * hd + $1]) } / Double(hd).squareRoot() }
            let top = logits.max()!
            logits = logits.map { Foundation.exp($0 - top) }
            let total = logits.reduce(0, +)
            for c in 0..<hd {
                let expected = (0..<t).reduce(0.0) { $0 + logits[$1] / total * Double(v[$1 * hd + c]) }
                #expect(abs(Double(out[i * hd + c]) - expected) < 1e-4, "row \(i) column \(c)")
            }
        }
    }

    /// Row widths with and without a vector tail; rows whose maximum is repeated or a signed zero.
    @Test(arguments: [1, 5, 16, 17, 49, 64, 100])
    func softmaxRowsIsSoftmaxOnEachRow(n: Int) {
        let rows = 11, stride = n + 7
        var data = Philox(seed: 3).normals(rows * stride).map { $0 * 4 }
        for j in 0..<n { data[stride + j] = j % 3 == 0 ? 2.5 : -1 }        // a maximum many times over
        for j in 0..<n { data[2 * stride + j] = j % 2 == 0 ? -0.0 : -3 }   // −0 the largest
        for j in 0..<n { data[3 * stride + j] = j % 2 == 0 ? 0.0 : -0.0 }  // ±0 throughout
        var together = data, oneByOne = data
        RowKernels.softmaxRows(&together, rows: rows, n: n, stride: stride)
        oneByOne.withUnsafeMutableBufferPointer { p in for r in 0..<rows { RowKernels.softmax(p.baseAddress! + r * stride, n) } }
        #expect(together.map(\.bitPattern) == oneByOne.map(\.bitPattern))
    }

    @Test func declinesShapesWhoseBLASRoundingItDoesNotModel() {
        #expect(!FusedAttentionKernel.supports(tokens: 16, headDim: 64))   // Q·Kᵀ would use the small TN kernel
        #expect(!FusedAttentionKernel.supports(tokens: 196, headDim: 64))  // S·V would leave the small NN kernel
        #expect(FusedAttentionKernel.supports(tokens: 49, headDim: 32))
    }
}
