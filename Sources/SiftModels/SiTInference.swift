import SiftNN
import SiftTensor

/// A fused, allocation-free forward pass of a ``SiT`` for sampling (no autograd): every layer
/// works on preallocated buffers, the adaLN modulation is fused with layer norm, attention
/// reads q/k/v straight out of the qkv projection (no permutes), linear layers run on packed
/// weights (``PackedLinear``) with GELU and the gated residual updates fused into their
/// products. Equal to `SiT.callAsFunction` up to float rounding (tested to 1e-5), and bit for bit
/// the unfused BLAS path it replaced.
///
/// Not thread-safe: one instance per thread of sampling.
public final class SiTInference {
    public let model: SiT
    let config: SiTConfig
    private var capacity = 0
    // Workspace, sized for `capacity` samples (T tokens each).
    private var patches: [Float] = [], hidden: [Float] = [], normed: [Float] = [], qkv: [Float] = []
    private var attended: [Float] = [], mlp: [Float] = [], tokensOut: [Float] = []
    private var condition: [Float] = [], modulation: [Float] = [], scratch: [Float] = []
    private var frequencies: [Float] = [], timeHidden: [Float] = []

    /// When set, the wall time of every stage is added to it (a bench breakdown; off by default).
    public var profile: StageProfile?

    /// Most samples that go through the layers together: a larger batch runs in chunks of at most
    /// this many (as few as that allows, of even size), one after the other, so that a layer's
    /// activations stay in the cores' caches (the whole of a batch of 64 or more spilled them:
    /// per-sample speed fell with the batch size). Rows are independent in every layer, so the
    /// chunking never changes a bit. Defaults to ``defaultChunkSamples(for:)``.
    public var chunkSamples: Int

    public init(model: SiT) {
        self.model = model
        config = model.config
        chunkSamples = Self.defaultChunkSamples(for: model.config)
    }

    /// Bytes of the largest activation of a chunk (the MLP's hidden layer, or qkv where wider).
    /// Measured with `sift bench model --batches 64,256 --inference-only` on a 2-core AMD EPYC
    /// (Zen 4, 1 MB of L2 per core): 1–3 MB ran batch 256 as fast as batch 64, the whole batch
    /// at once up to 16 % slower.
    public static let chunkBytes = 3 << 20

    /// As many samples as keep the largest activation of a chunk within ``chunkBytes``.
    public static func defaultChunkSamples(for c: SiTConfig) -> Int {
        Swift.max(1, chunkBytes / (c.tokens * Swift.max(c.hidden, 3 * c.width) * MemoryLayout<Float>.size))
    }

    /// Runs `body` as stage `name` of the profile, if any.
    @inline(__always)
    private func stage(_ name: String, _ body: () -> Void) {
        if let profile { profile.time(name, body) } else { body() }
    }

    private func reserve(_ n: Int) {
        // One attention score matrix per thread that may run (the thread count can change).
        let scoresNeeded = Threads.count * AttentionKernel.scratchCount(t: config.tokens, d: config.headDim)
        if scratch.count < scoresNeeded { scratch = [Float](repeating: 0, count: scoresNeeded) }
        guard n > capacity else { return }
        let c = config, rows = n * c.tokens, d = c.width
        patches = [Float](repeating: 0, count: rows * c.patchValues)
        hidden = [Float](repeating: 0, count: rows * d)
        normed = hidden; attended = hidden
        qkv = [Float](repeating: 0, count: rows * 3 * d)
        mlp = [Float](repeating: 0, count: rows * c.hidden)
        tokensOut = [Float](repeating: 0, count: rows * c.patchValues)
        condition = [Float](repeating: 0, count: n * d)
        modulation = [Float](repeating: 0, count: n * 6 * d)
        frequencies = [Float](repeating: 0, count: n * c.frequencySize)
        timeHidden = [Float](repeating: 0, count: n * d)
        capacity = n
    }

    /// Velocity for `x` `[N, C, H, W]` at times `t` with `labels` (null = classes).
    public func callAsFunction(_ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        let c = config, n = x.shape[0]
        precondition(x.shape == [n, c.channels, c.imageSize, c.imageSize] && t.count == n && labels.count == n,
                     "SiTInference: input \(x.shape), \(t.count) times, \(labels.count) labels")
        // As few chunks as chunkSamples allows, of even size (64 at 30 → 22, 22, 20, not 30, 30, 4).
        let most = Swift.max(1, chunkSamples), chunks = Swift.max(1, (n + most - 1) / most)
        let chunk = Swift.max(1, (n + chunks - 1) / chunks), perSample = c.channels * c.imageSize * c.imageSize
        reserve(chunk)
        let out = [Float](unsafeUninitializedCapacity: x.count) { buffer, count in
            x.data.withUnsafeBufferPointer { px in
                var start = 0
                while start < n {
                    let end = Swift.min(n, start + chunk)
                    forward(x: px.baseAddress! + start * perSample, t: Array(t[start..<end]), labels: Array(labels[start..<end]),
                            n: end - start, out: buffer.baseAddress! + start * perSample)
                    start = end
                }
            }
            count = x.count
        }
        profile?.endCall()
        return Tensor(out, shape: x.shape)
    }

    // swiftlint:disable:next function_body_length
    private func forward(x: UnsafePointer<Float>, t: [Float], labels: [Int], n: Int, out: UnsafeMutablePointer<Float>) {
        let c = config, d = c.width, tokens = c.tokens, rows = n * tokens, g = c.gridSize, p = c.patch
        let pv = c.patchValues, ch = c.channels, size = c.imageSize
        // 1. Patchify (C, p_row, p_col) and embed; add the fixed positions.
        stage("embed") {
        patches.withUnsafeMutableBufferPointer { pp in
            for i in 0..<n { for gy in 0..<g { for gx in 0..<g {
                let row = pp.baseAddress! + ((i * tokens) + gy * g + gx) * pv
                for cc in 0..<ch { for py in 0..<p { for px in 0..<p {
                    row[(cc * p + py) * p + px] = x[((i * ch + cc) * size + gy * p + py) * size + gx * p + px]
                } } }
            } } }
        }
        linear(patches, rows: rows, weight: model.patchWeight, bias: model.patchBias, into: &hidden)
        hidden.withUnsafeMutableBufferPointer { ph in
            model.positions.data.withUnsafeBufferPointer { pos in
                for i in 0..<n { for j in 0..<(tokens * d) { ph[i * tokens * d + j] += pos[j] } }
            }
        }
        }
        // 2. Conditioning SiLU(t_emb + y_emb).
        stage("conditioning") {
        let freq = SinCos.timesteps(t, dim: c.frequencySize)
        frequencies.replaceSubrange(0..<freq.count, with: freq)
        linear(frequencies, rows: n, layer: model.timeMLP1, into: &timeHidden)
        for i in 0..<(n * d) { timeHidden[i] = Activations.silu(timeHidden[i]) }
        linear(timeHidden, rows: n, layer: model.timeMLP2, into: &condition)
        model.labelTable.data.withUnsafeBufferPointer { table in
            for i in 0..<n { for k in 0..<d { condition[i * d + k] = Activations.silu(condition[i * d + k] + table[labels[i] * d + k]) } }
        }
        }
        // 3. Blocks.
        for block in model.blocks {
            stage("adaLN linear") { linear(condition, rows: n, layer: block.modulation, into: &modulation) }
            stage("layer norm + modulate") { normModulate(rows: rows, d: d, shiftOffset: 0, scaleOffset: d, stride: 6 * d) }
            stage("qkv GEMM") { linear(normed, rows: rows, layer: block.attentionQKV, into: &qkv) }
            stage("attention") { attention(n: n, heads: c.heads, tokens: tokens, d: d) }
            stage("proj GEMM + gated residual") { gatedLinear(attended, rows: rows, layer: block.attentionProj, gateOffset: 2 * d) }
            stage("layer norm + modulate") { normModulate(rows: rows, d: d, shiftOffset: 3 * d, scaleOffset: 4 * d, stride: 6 * d) }
            stage("MLP fc1 GEMM + GELU") { linear(normed, rows: rows, layer: block.mlp1, into: &mlp, gelu: true) }
            stage("MLP fc2 GEMM + gated residual") { gatedLinear(mlp, rows: rows, layer: block.mlp2, gateOffset: 5 * d) }
        }
        // 4. Final layer and unpatchify (token values are p_row, p_col, C).
        stage("final layer") {
        linear(condition, rows: n, layer: model.finalModulation, into: &modulation)
        normModulate(rows: rows, d: d, shiftOffset: 0, scaleOffset: d, stride: 2 * d)
        linear(normed, rows: rows, layer: model.finalLinear, into: &tokensOut)
        tokensOut.withUnsafeBufferPointer { to in
            for i in 0..<n { for gy in 0..<g { for gx in 0..<g {
                let row = to.baseAddress! + ((i * tokens) + gy * g + gx) * pv
                for py in 0..<p { for px in 0..<p { for cc in 0..<ch {
                    out[((i * ch + cc) * size + gy * p + py) * size + gx * p + px] = row[(py * p + px) * ch + cc]
                } } }
            } } }
        }
        }
    }

    /// into[rows, outF] = input[rows, inF] · weightᵀ + bias (inF, outF from the weight `[outF, inF…]`), GELU applied when `gelu`.
    private func linear(_ input: [Float], rows: Int, weight: Tensor, bias: Tensor?, into output: inout [Float], gelu: Bool = false) {
        let layer = PackedLinear.cached(weight: weight, bias: bias)  // packed again when either changes
        output.withUnsafeMutableBufferPointer { po in
            input.withUnsafeBufferPointer { layer.apply($0.baseAddress!, rows: rows, out: po.baseAddress!, epilogue: gelu ? .gelu : .store) }
        }
    }

    private func linear(_ input: [Float], rows: Int, layer: Linear, into output: inout [Float], gelu: Bool = false) {
        linear(input, rows: rows, weight: layer.weight, bias: layer.bias, into: &output, gelu: gelu)
    }

    /// hidden += gate ⊙ (input · weightᵀ + bias), the gate rows read from `modulation` at `gateOffset`.
    private func gatedLinear(_ input: [Float], rows: Int, layer: Linear, gateOffset: Int) {
        let d = config.width, packedLayer = PackedLinear.cached(weight: layer.weight, bias: layer.bias)
        hidden.withUnsafeMutableBufferPointer { ph in
            modulation.withUnsafeBufferPointer { pm in
                input.withUnsafeBufferPointer {
                    packedLayer.apply($0.baseAddress!, rows: rows, out: ph.baseAddress!,
                                      epilogue: .gatedResidual(gate: pm.baseAddress! + gateOffset, gateStride: 6 * d, rowsPerGate: config.tokens))
                }
            }
        }
    }

    /// normed = LN(hidden)·(1 + scale) + shift, with shift/scale rows read from `modulation`.
    /// Four rows' mean and variance sums run as four interleaved chains (each still in column
    /// order, so the values are those of one row at a time), which do not wait on one another.
    private func normModulate(rows: Int, d: Int, shiftOffset: Int, scaleOffset: Int, stride: Int) {
        let tokens = config.tokens
        hidden.withUnsafeBufferPointer { ph in
            normed.withUnsafeMutableBufferPointer { pn in
                modulation.withUnsafeBufferPointer { pm in
                    let hs = SharedConstPointer(ph.baseAddress!), ns = SharedPointer(pn.baseAddress!), ms = SharedConstPointer(pm.baseAddress!)
                    parallelChunks(rows, minChunk: Swift.max(1, 8_192 / d)) { range in
                        /// Writes row r from its mean and 1/σ.
                        func write(_ r: Int, _ mean: Float, _ inv: Float) {
                            let src = hs.base + r * d, dst = ns.base + r * d
                            let mod = ms.base + (r / tokens) * stride
                            let shift = mod + shiftOffset, scale = mod + scaleOffset
                            for k in 0..<d { dst[k] = (src[k] - mean) * inv * (1 + scale[k]) + shift[k] }
                        }
                        let size = Float(d)
                        var r = range.lowerBound
                        while r + 4 <= range.upperBound {
                            let x0 = hs.base + r * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d
                            var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0
                            for k in 0..<d { m0 += x0[k]; m1 += x1[k]; m2 += x2[k]; m3 += x3[k] }
                            m0 /= size; m1 /= size; m2 /= size; m3 /= size
                            var v0: Float = 0, v1: Float = 0, v2: Float = 0, v3: Float = 0
                            for k in 0..<d {
                                let c0 = x0[k] - m0, c1 = x1[k] - m1, c2 = x2[k] - m2, c3 = x3[k] - m3
                                v0 += c0 * c0; v1 += c1 * c1; v2 += c2 * c2; v3 += c3 * c3
                            }
                            write(r, m0, 1 / (v0 / size + 1e-6).squareRoot()); write(r + 1, m1, 1 / (v1 / size + 1e-6).squareRoot())
                            write(r + 2, m2, 1 / (v2 / size + 1e-6).squareRoot()); write(r + 3, m3, 1 / (v3 / size + 1e-6).squareRoot())
                            r += 4
                        }
                        while r < range.upperBound {
                            let src = hs.base + r * d
                            var mean: Float = 0
                            for k in 0..<d { mean += src[k] }
                            mean /= size
                            var variance: Float = 0
                            for k in 0..<d { let v = src[k] - mean; variance += v * v }
                            write(r, mean, 1 / (variance / size + 1e-6).squareRoot())
                            r += 1
                        }
                    }
                }
            }
        }
    }

    /// attended[:, head] = softmax(q kᵀ/√hd) v per sample and head, q/k/v strided in `qkv`.
    private func attention(n: Int, heads: Int, tokens: Int, d: Int) {
        qkv.withUnsafeBufferPointer { pq in
            attended.withUnsafeMutableBufferPointer { pa in
                scratch.withUnsafeMutableBufferPointer { ps in
                    AttentionKernel.packedForward(qkv: pq.baseAddress!, out: pa.baseAddress!, probs: nil, n: n, tokens: tokens, d: d,
                                                  heads: heads, scratch: ps)
                }
            }
        }
    }
}
