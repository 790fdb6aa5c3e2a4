import SiftModels
import SiftTensor

/// `self-similarity`: the cosine similarity between a network's features of the data prediction
/// at σ = 0.4 (t = 0.6 in SiT's code convention, the nearest sampling-grid step) and of the final
/// sample. Needs no label: a sample whose early guess already looks like its final self scores high.
public final class SelfSimilarityVerifier: Verifier {
    /// The self-supervised noise level in code time (σ = 0.4 ⇔ t = 0.6 on the linear path).
    public static let time: Float = 0.6

    public let name: String
    let pass: ClassifierPass

    /// `network` supplies the features (the paper uses DINO/CLIP; here a zoo classifier).
    public init(network: Classifier, name: String = "self-similarity") {
        self.name = name
        pass = ClassifierPass(network)
    }

    public var needsEarlyPrediction: Bool { true }
    public var cost: VerifierCost { pass.cost }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        guard let early = batch.earlyPrediction else { throw VerifierError.missingEarlyPrediction(verifier: name) }
        let b = batch.count
        // Both sets in one forward call: (2B, 1, 28, 28).
        let features = pass.run(Tensor.concat([early, batch.images], axis: 0)).features
        let f = features.count / max(2 * b, 1)
        return (0..<b).map { i in
            var dot = 0.0, na = 0.0, nb = 0.0
            for j in 0..<f {
                let a = Double(features[i * f + j]), c = Double(features[(b + i) * f + j])
                dot += a * c
                na += a * a
                nb += c * c
            }
            return na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
        }
    }

    /// Index of the solver step whose start time is nearest `time`, for `steps` steps of `solver`
    /// from `from` to `to` (the data prediction is read there from the step's own velocity call).
    /// ODE grids are uniform; the SDE's reaching data has `steps − 1` uniform steps to 0.96 and its
    /// last step starts at 0.96.
    public static func nearestStep(steps: Int, solver: Solver = .heun, from t0: Float = 0, to t1: Float = 1, time: Float = time) -> Int {
        let starts: [Float]
        if solver == .sde && t1 >= 1 {
            let end = 1 - Sampler.sdeLastStep, stochastic = steps - 1
            let dt = stochastic > 0 ? (end - t0) / Float(stochastic) : 0
            starts = (0..<stochastic).map { t0 + Float($0) * dt } + [end]
        } else {
            let dt = (t1 - t0) / Float(steps)
            starts = (0..<steps).map { t0 + Float($0) * dt }
        }
        return starts.indices.min { abs(starts[$0] - time) < abs(starts[$1] - time) } ?? 0
    }
}

/// Errors of verifier use.
public enum VerifierError: Error, CustomStringConvertible, Equatable {
    case missingEarlyPrediction(verifier: String)
    case unknownVerifier(String, known: [String])
    case badEnsemble(String)
    /// A set-level or pool-relative verifier where a per-sample one is needed.
    case notPerSample(String)

    public var description: String {
        switch self {
        case .missingEarlyPrediction(let v): return "verifier '\(v)' needs the data prediction at t = 0.6, which the caller did not supply"
        case let .unknownVerifier(name, known): return "unknown verifier '\(name)'; valid choices: \(known.joined(separator: ", "))"
        case .badEnsemble(let problem): return "bad verifier ensemble: \(problem)"
        case .notPerSample(let problem): return problem
        }
    }
}
