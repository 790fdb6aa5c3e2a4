/// Configuration of a SiT (flow-matching diffusion transformer) and its exact size and cost.
public struct SiTConfig: Codable, Sendable, Equatable {
    public var name: String
    public var depth: Int
    public var width: Int
    public var heads: Int
    public var patch: Int = 4
    public var imageSize: Int = 28
    public var channels: Int = 1
    public var classes: Int = 10
    public var mlpRatio: Int = 4
    /// Size of the sinusoidal timestep features fed to the timestep MLP.
    public var frequencySize: Int = 256

    public init(name: String, depth: Int, width: Int, heads: Int) {
        self.name = name; self.depth = depth; self.width = width; self.heads = heads
    }

    /// The zoo sizes (DESIGN.md §2.3): cost grows roughly like SiT-B : L : XL.
    public static let small = SiTConfig(name: "sit-s", depth: 4, width: 96, heads: 4)
    public static let base = SiTConfig(name: "sit-b", depth: 6, width: 128, heads: 4)
    public static let large = SiTConfig(name: "sit-l", depth: 8, width: 160, heads: 5)
    public static let zoo = [small, base, large]

    /// Patches per side and tokens per image.
    public var gridSize: Int { imageSize / patch }
    public var tokens: Int { gridSize * gridSize }
    public var headDim: Int { width / heads }
    /// Values per output token: p·p·C.
    public var patchValues: Int { patch * patch * channels }
    public var hidden: Int { mlpRatio * width }

    /// Problems that make the configuration unusable, if any.
    public func validationError() -> String? {
        if depth < 1 || width < 4 || heads < 1 { return "depth, width and heads must be positive" }
        if patch < 1 || imageSize < 1 || channels < 1 || classes < 1 || mlpRatio < 1 || frequencySize < 2 {
            return "patch, image size, channels, classes and MLP ratio must be ≥ 1 and the frequency size ≥ 2"
        }
        if width % heads != 0 { return "width \(width) is not divisible by heads \(heads)" }
        if width % 4 != 0 { return "width \(width) must be divisible by 4 (2-D sin-cos positions)" }
        if imageSize % patch != 0 { return "image size \(imageSize) is not divisible by patch \(patch)" }
        if frequencySize % 2 != 0 { return "frequency size must be even" }
        return nil
    }

    /// Trainable parameters (the fixed sin-cos position table is not one).
    public var parameterCount: Int {
        let d = width, h = hidden
        let block = (3 * d * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d) + (6 * d * d + 6 * d)
        let patchEmbed = patchValues * d + d
        let timeMLP = frequencySize * d + d + d * d + d
        let labels = (classes + 1) * d
        let final = (2 * d * d + 2 * d) + (d * patchValues + patchValues)
        return depth * block + patchEmbed + timeMLP + labels + final
    }

    /// Multiply-accumulates of one forward pass for one sample: every matrix product (linear
    /// layers, patch embedding, attention's QKᵀ and PV). Elementwise work is not counted.
    public var forwardMACs: Int {
        let d = width, t = tokens, h = hidden
        let perBlock = t * (3 * d * d + d * d + d * h + h * d) + 2 * t * t * d + d * 6 * d
        let embed = t * patchValues * d + frequencySize * d + d * d
        let final = d * 2 * d + t * d * patchValues
        return depth * perBlock + embed + final
    }

    /// FLOPs (2 per multiply-accumulate) of one forward pass for one sample.
    public var forwardFLOPs: Int { 2 * forwardMACs }
}
