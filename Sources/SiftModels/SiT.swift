import SiftNN
import SiftTensor

/// A SiT/DiT transformer predicting the flow-matching velocity v(x_t, t, y), faithful to DiT's
/// `models.py` (reference/metrics-and-sit.md Part B) with `learn_sigma = false`: patch embedding,
/// fixed 2-D sin-cos positions, timestep MLP, label table with a null class (index `classes`) for
/// classifier-free guidance, adaLN-Zero blocks and the final layer, zero-initialised so that an
/// untrained model outputs exactly 0. Parameter names follow DiT's `state_dict`.
public final class SiT: Module {
    public let config: SiTConfig
    /// Patch embedding as PyTorch's conv weight `[D, C, p, p]` and bias `[D]`.
    let patchWeight: Tensor, patchBias: Tensor
    let timeMLP1: Linear, timeMLP2: Linear
    let labelTable: Tensor
    let blocks: [SiTBlock]
    let finalModulation: Linear, finalLinear: Linear
    /// Fixed position table `[T, D]` (not trained, not saved).
    let positions: Tensor

    /// A freshly initialised model (DiT's `initialize_weights`), reproducible from `seed`.
    public init(_ config: SiTConfig, seed: UInt64 = 0) {
        precondition(config.validationError() == nil, "SiT: \(config.validationError()!)")
        self.config = config
        let d = config.width, rng = Philox(seed: seed, stream: 0x5175)
        let fanIn = config.patchValues
        patchWeight = Initializer.xavierUniform([d, config.channels, config.patch, config.patch], fanIn: fanIn, fanOut: d, rng: rng.stream(1))
        patchBias = Initializer.zeros([d])
        timeMLP1 = Linear("t_embedder.mlp.0", weight: Initializer.normal([d, config.frequencySize], std: 0.02, rng: rng.stream(2)),
                          bias: Initializer.zeros([d]))
        timeMLP2 = Linear("t_embedder.mlp.2", weight: Initializer.normal([d, d], std: 0.02, rng: rng.stream(3)), bias: Initializer.zeros([d]))
        labelTable = Initializer.normal([config.classes + 1, d], std: 0.02, rng: rng.stream(4))
        blocks = (0..<config.depth).map { SiTBlock(index: $0, config: config, rng: rng.stream(100 + UInt64($0))) }
        finalModulation = Linear("final_layer.adaLN_modulation.1", weight: Initializer.zeros([2 * d, d]), bias: Initializer.zeros([2 * d]))
        finalLinear = Linear("final_layer.linear", weight: Initializer.zeros([config.patchValues, d]), bias: Initializer.zeros([config.patchValues]))
        positions = Tensor(SinCos.positions(dim: d, grid: config.gridSize), shape: [config.tokens, d])
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var list: [(name: String, tensor: Tensor)] = [("x_embedder.proj.weight", patchWeight), ("x_embedder.proj.bias", patchBias)]
        list += timeMLP1.namedParameters + timeMLP2.namedParameters
        list.append(("y_embedder.embedding_table.weight", labelTable))
        for block in blocks { list += block.namedParameters }
        list += finalModulation.namedParameters + finalLinear.namedParameters
        return list
    }

    /// The null label used for unconditional predictions (classifier-free guidance).
    public var nullLabel: Int { config.classes }

    /// Velocity prediction. `x`: `[N, C, H, W]`, `t`: N times in [0, 1], `labels`: N labels in
    /// 0…classes (classes = null). Returns `[N, C, H, W]`. Records a graph unless in no-grad mode.
    public func callAsFunction(_ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        precondition(x.rank == 4, "SiT: input must be [N, C, H, W], got \(x.shape)")
        let c = config, n = x.shape[0], d = c.width, g = c.gridSize, p = c.patch
        precondition(x.shape == [n, c.channels, c.imageSize, c.imageSize] && t.count == n && labels.count == n,
                     "SiT: input \(x.shape), \(t.count) times, \(labels.count) labels")
        // Patchify (C, p_row, p_col order, like the conv weight) and embed.
        let patches = x.reshaped([n, c.channels, g, p, g, p]).permuted([0, 2, 4, 1, 3, 5]).reshaped([n, c.tokens, c.patchValues])
        var h = Tensor.linear(patches, weight: patchWeight.reshaped([d, c.patchValues]), bias: patchBias) + positions  // (N, T, D)
        // Conditioning c = t_emb + y_emb.
        let freq = Tensor(SinCos.timesteps(t, dim: c.frequencySize), shape: [n, c.frequencySize])
        let tEmb = timeMLP2(timeMLP1(freq).silu())                                   // (N, D)
        let yEmb = Tensor.embedding(labels, shape: [n], table: labelTable)            // (N, D)
        let cond = (tEmb + yEmb).silu()                                               // (N, D) SiLU(c), shared by every adaLN
        for block in blocks { h = block(h, condition: cond) }
        // Final layer: adaLN modulation (shift first), then a linear map to the patch values.
        let mod = finalModulation(cond).chunk(2, axis: 1)                             // 2 × (N, D)
        let out = finalLinear(Tensor.modulate(h.layerNorm(), shift: mod[0], scale: mod[1]))  // (N, T, p·p·C)
        // Unpatchify: token values are (p_row, p_col, C).
        return out.reshaped([n, g, g, p, p, c.channels]).permuted([0, 5, 1, 3, 2, 4])
            .reshaped([n, c.channels, c.imageSize, c.imageSize])
    }
}

/// One DiT block with adaLN-Zero: shift/scale/gate for attention then for the MLP, in that order.
final class SiTBlock: Module {
    let attentionQKV: Linear, attentionProj: Linear
    let mlp1: Linear, mlp2: Linear
    let modulation: Linear
    let heads: Int

    init(index i: Int, config c: SiTConfig, rng: Philox) {
        let d = c.width, h = c.hidden
        func xavier(_ name: String, _ out: Int, _ inp: Int, _ s: UInt64) -> Linear {
            Linear(name, weight: Initializer.xavierUniform([out, inp], fanIn: inp, fanOut: out, rng: rng.stream(s)),
                   bias: Initializer.zeros([out]))
        }
        attentionQKV = xavier("blocks.\(i).attn.qkv", 3 * d, d, 1)
        attentionProj = xavier("blocks.\(i).attn.proj", d, d, 2)
        mlp1 = xavier("blocks.\(i).mlp.fc1", h, d, 3)
        mlp2 = xavier("blocks.\(i).mlp.fc2", d, h, 4)
        modulation = Linear("blocks.\(i).adaLN_modulation.1", weight: Initializer.zeros([6 * d, d]), bias: Initializer.zeros([6 * d]))
        heads = c.heads
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        attentionQKV.namedParameters + attentionProj.namedParameters + mlp1.namedParameters + mlp2.namedParameters
            + modulation.namedParameters
    }

    /// `x` `[N, T, D]`, `condition` = SiLU(c) `[N, D]`.
    func callAsFunction(_ x: Tensor, condition: Tensor) -> Tensor {
        let m = modulation(condition).chunk(6, axis: 1)  // shift1, scale1, gate1, shift2, scale2, gate2: (N, D) each
        // Attention branch.
        let a = Tensor.modulate(x.layerNorm(), shift: m[0], scale: m[1])
        let attended = Tensor.attention(qkv: attentionQKV(a), heads: heads)  // (N, T, 3D) → (N, T, D)
        let x1 = Tensor.gatedResidual(x, gate: m[2], attentionProj(attended))
        // MLP branch.
        let b = Tensor.modulate(x1.layerNorm(), shift: m[3], scale: m[4])
        return Tensor.gatedResidual(x1, gate: m[5], mlp2(mlp1(b).gelu()))
    }
}

extension SiT {
    /// Adds `scale`·N(0, 1) noise (keyed by `seed` and parameter index) to every weight. An
    /// untrained SiT outputs exactly zero (adaLN-Zero); a nudged one gives distinct, non-zero
    /// velocities, which tests of samplers and search need without a trained model.
    public func perturbWeights(scale: Float, seed: UInt64) {
        for (i, p) in namedParameters.enumerated() {
            let noise = Philox(seed: seed).stream(UInt64(i)).normals(p.tensor.count)
            for j in 0..<p.tensor.count { p.tensor.data[j] += scale * noise[j] }
        }
    }
}
