import SiftNN
import SiftTensor

/// `clf-vit`, the stronger supervised verifier: a small vision transformer — 4×4 patches
/// (49 tokens), learned positions, pre-LayerNorm blocks (multi-head attention, GELU MLP),
/// mean-pooled and normalised tokens as the feature vector, and a linear head.
public final class ViTClassifier: Classifier {
    public let name: String
    let width: Int, depth: Int, heads: Int, patch = 4
    let patchEmbed: Linear
    let positions: Tensor
    let blocks: [ViTBlock]
    let normWeight: Tensor, normBias: Tensor
    let head: Linear

    /// `name` is the zoo name (`clf-vit`; `ssl-vit` for the backbone of ``SSLEncoder``).
    public init(name: String = "clf-vit", width: Int = 64, depth: Int = 4, heads: Int = 4, seed: UInt64 = 0) {
        self.name = name
        self.width = width; self.depth = depth; self.heads = heads
        let rng = Philox(seed: seed, stream: 0x717)
        patchEmbed = Linear("patch_embed", inFeatures: 16, outFeatures: width, rng: rng.stream(1))
        positions = Initializer.normal([49, width], std: 0.02, rng: rng.stream(2))
        blocks = (0..<depth).map { ViTBlock(index: $0, width: width, heads: heads, rng: rng.stream(10 + UInt64($0))) }
        normWeight = Tensor(repeating: 1, shape: [width], requiresGrad: true)
        normBias = Initializer.zeros([width])
        head = Linear("head", inFeatures: width, outFeatures: 10, rng: rng.stream(3))
    }

    public var featureDimension: Int { width }
    public var forwardFLOPs: Int {
        let t = 49, d = width
        return 2 * (t * 16 * d + depth * (t * 12 * d * d + 2 * t * t * d) + d * 10)
    }
    public var namedParameters: [(name: String, tensor: Tensor)] {
        patchEmbed.namedParameters + [("pos_embed", positions)] + blocks.flatMap(\.namedParameters)
            + [("norm.weight", normWeight), ("norm.bias", normBias)] + head.namedParameters
    }

    public func forward(_ x: Tensor) -> (features: Tensor, logits: Tensor) {
        let n = x.shape[0]
        let patches = x.reshaped([n, 1, 7, 4, 7, 4]).permuted([0, 2, 4, 1, 3, 5]).reshaped([n, 49, 16])
        var h = patchEmbed(patches) + positions                                       // (N, 49, D)
        for block in blocks { h = block(h) }
        let features = h.mean(axes: [1]).layerNorm(weight: normWeight, bias: normBias, eps: 1e-5)  // (N, D)
        return (features, head(features))
    }
}

/// A pre-LN transformer block: x + Attn(LN(x)), then x + MLP(LN(x)).
final class ViTBlock: Module {
    let norm1w: Tensor, norm1b: Tensor, norm2w: Tensor, norm2b: Tensor
    let qkv: Linear, proj: Linear, fc1: Linear, fc2: Linear
    let heads: Int, prefix: String

    init(index: Int, width d: Int, heads: Int, rng: Philox) {
        prefix = "blocks.\(index)"
        self.heads = heads
        norm1w = Tensor(repeating: 1, shape: [d], requiresGrad: true); norm1b = Initializer.zeros([d])
        norm2w = Tensor(repeating: 1, shape: [d], requiresGrad: true); norm2b = Initializer.zeros([d])
        qkv = Linear("\(prefix).attn.qkv", inFeatures: d, outFeatures: 3 * d, rng: rng.stream(1))
        proj = Linear("\(prefix).attn.proj", inFeatures: d, outFeatures: d, rng: rng.stream(2))
        fc1 = Linear("\(prefix).mlp.fc1", inFeatures: d, outFeatures: 4 * d, rng: rng.stream(3))
        fc2 = Linear("\(prefix).mlp.fc2", inFeatures: 4 * d, outFeatures: d, rng: rng.stream(4))
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        [("\(prefix).norm1.weight", norm1w), ("\(prefix).norm1.bias", norm1b)] + qkv.namedParameters + proj.namedParameters
            + [("\(prefix).norm2.weight", norm2w), ("\(prefix).norm2.bias", norm2b)] + fc1.namedParameters + fc2.namedParameters
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let attended = Tensor.attention(qkv: qkv(x.layerNorm(weight: norm1w, bias: norm1b, eps: 1e-5)), heads: heads)  // (N, T, D)
        let x1 = x + proj(attended)
        return x1 + fc2(fc1(x1.layerNorm(weight: norm2w, bias: norm2b, eps: 1e-5)).gelu())
    }
}
