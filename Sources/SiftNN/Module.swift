import SiftTensor

/// Anything with named trainable tensors (layers and whole models). Names follow PyTorch's
/// `state_dict` convention (`blocks.0.attn.qkv.weight`) so weights map one to one.
public protocol Module: AnyObject {
    /// Every parameter with its dotted name, in a fixed order.
    var namedParameters: [(name: String, tensor: Tensor)] { get }
}

extension Module {
    /// The parameters in ``namedParameters`` order.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// Total number of scalar parameters.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.tensor.count } }

    /// Marks every parameter as trainable (or frozen).
    public func setRequiresGrad(_ flag: Bool) {
        for (_, t) in namedParameters { t.requiresGrad = flag }
    }

    /// The parameters as safetensors entries.
    public func stateDict() -> [String: SafetensorsTensor] {
        Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, SafetensorsTensor(shape: $0.tensor.shape, values: $0.tensor.data)) })
    }

    /// Copies values from `tensors` into the parameters, checking that every parameter is present
    /// with the right shape and that nothing unexpected is left over. `source` names the file in errors.
    public func load(_ tensors: [String: SafetensorsTensor], source: String) throws {
        let expected = namedParameters
        let names = Set(expected.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !names.contains($0) }) {
            throw WeightsError.unexpectedTensor(file: source, name: extra)
        }
        for (name, t) in expected {
            guard let entry = tensors[name] else { throw WeightsError.missingTensor(file: source, name: name) }
            guard entry.shape == t.shape else {
                throw WeightsError.shapeMismatch(file: source, name: name, expected: t.shape, found: entry.shape)
            }
        }
        for (name, t) in expected { t.data = tensors[name]!.values }
    }

    /// Copies parameter values from another array list (e.g. an EMA shadow), same order and sizes.
    public func assign(_ values: [[Float]]) {
        precondition(values.count == namedParameters.count, "assign: \(values.count) arrays for \(namedParameters.count) parameters")
        for ((_, t), v) in zip(namedParameters, values) {
            precondition(v.count == t.count, "assign: size mismatch")
            t.data = v
        }
    }
}

/// A weights file that does not fit the model it is loaded into.
public enum WeightsError: Error, CustomStringConvertible, Equatable {
    case missingTensor(file: String, name: String)
    case unexpectedTensor(file: String, name: String)
    case shapeMismatch(file: String, name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .missingTensor(f, n): return "\(f): tensor '\(n)' is missing"
        case let .unexpectedTensor(f, n): return "\(f): unexpected tensor '\(n)' (not part of this model)"
        case let .shapeMismatch(f, n, e, found): return "\(f): tensor '\(n)' has shape \(found), the model needs \(e)"
        }
    }
}

/// Weight initialisers (PyTorch/DiT conventions), drawing from a counter-based stream.
public enum Initializer {
    /// Xavier/Glorot uniform: U(−b, b), b = √(6/(fanIn + fanOut)).
    public static func xavierUniform(_ shape: [Int], fanIn: Int, fanOut: Int, rng: Philox) -> Tensor {
        let bound = (6 / Float(fanIn + fanOut)).squareRoot()
        return Tensor(rng.uniforms(shape.product).map { (2 * $0 - 1) * bound }, shape: shape, requiresGrad: true)
    }

    /// N(0, std²).
    public static func normal(_ shape: [Int], std: Float, rng: Philox) -> Tensor {
        Tensor(rng.normals(shape.product).map { $0 * std }, shape: shape, requiresGrad: true)
    }

    /// PyTorch's default for `nn.Linear`/`nn.Conv2d` (Kaiming uniform with a = √5): U(−1/√fanIn, 1/√fanIn).
    public static func torchDefault(_ shape: [Int], fanIn: Int, rng: Philox) -> Tensor {
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        return Tensor(rng.uniforms(shape.product).map { (2 * $0 - 1) * bound }, shape: shape, requiresGrad: true)
    }

    /// Zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(zeros: shape, requiresGrad: true) }
}

/// A fully connected layer, `y = x·Wᵀ + b` (PyTorch `nn.Linear`; weight `[out, in]`).
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    let prefix: String

    /// A layer named `prefix` (e.g. `blocks.0.attn.qkv`) with the given initial tensors.
    public init(_ prefix: String, weight: Tensor, bias: Tensor?) {
        self.prefix = prefix
        self.weight = weight
        self.bias = bias
    }

    /// PyTorch's default initialisation.
    public convenience init(_ prefix: String, inFeatures: Int, outFeatures: Int, bias: Bool = true, rng: Philox) {
        self.init(prefix, weight: Initializer.torchDefault([outFeatures, inFeatures], fanIn: inFeatures, rng: rng.stream(0)),
                  bias: bias ? Initializer.torchDefault([outFeatures], fanIn: inFeatures, rng: rng.stream(1)) : nil)
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("\(prefix).weight", weight)] + (bias.map { [("\(prefix).bias", $0)] } ?? [])
    }

    /// `x`: `[..., in]` → `[..., out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { Tensor.linear(x, weight: weight, bias: bias) }
}
