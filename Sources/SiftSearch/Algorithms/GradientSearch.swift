import Foundation
import SiftModels
import SiftTensor

/// `gradient`: first-order noise optimisation (ReNO / DNO; the paper's Fig. 14). Each slot's
/// initial noise ascends the verifier's score by gradients backpropagated through the ODE sampler
/// (the SiT's own autograd graph, every solver step) and the verifier; Adam or SGD, a projection
/// back to the noise's typical shell ‖z‖ = √d or a norm penalty, and the best iterate is kept.
/// One run reports every iteration count of its sweep. Differentiable verifiers only
/// (``DifferentiableVerifier``): the classifier logits `clf-mlp` and `clf-vit`, and
/// `self-similarity`, whose early prediction is read on the differentiated solve.
///
/// The ledger counts the forward NFE of every iterate and the backward passes through the
/// denoiser apart (`backward_passes`), with an NFE-equivalent at ``Ledger/backwardCostRatio``.
public struct GradientSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        public var iterations = 3
        public var learningRate = 0.05
        public var optimizer = Optimizer.adam
        public var regularizer = Regularizer.projection
        public var regularization = 1.0
        public init() {}

        public enum Optimizer: String, Codable, CaseIterable, Sendable { case adam, sgd }
        public enum Regularizer: String, Codable, CaseIterable, Sendable {
            /// Rescale every iterate to ‖z‖ = √d (the shell where standard-normal noise lives).
            case projection
            /// Ascend score − ρ·(‖z‖²/d − 1)².
            case norm
            case none
        }

        enum CodingKeys: String, CodingKey {
            case iterations, optimizer, regularizer, regularization
            case learningRate = "learning_rate"
        }

        public static let budgetKey = "iterations"
        public static let documentation: [(key: String, meaning: String)] = [
            ("iterations", "gradient steps on the initial noise (the budget axis; 0 = no search)"),
            ("learning_rate", "step size (Adam: per element; SGD: times the gradient), > 0"),
            ("optimizer", "adam or sgd"),
            ("regularizer", "projection (back to ‖z‖ = √d after each step), norm (penalty ρ·(‖z‖²/d − 1)²) or none"),
            ("regularization", "ρ of the norm penalty, ≥ 0"),
        ]
        public var budget: Int {
            get { iterations }
            set { iterations = newValue }
        }
        public var isNoSearch: Bool { iterations == 0 }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            var p = Parameters()
            p.iterations = try source.int("iterations", default: p.iterations)
            p.learningRate = try source.double("learning_rate", default: p.learningRate)
            p.optimizer = Optimizer(rawValue: try source.choice("optimizer", default: p.optimizer.rawValue, from: Optimizer.allCases.map(\.rawValue)))!
            p.regularizer = Regularizer(rawValue: try source.choice("regularizer", default: p.regularizer.rawValue,
                                                                    from: Regularizer.allCases.map(\.rawValue)))!
            p.regularization = try source.double("regularization", default: p.regularization)
            return p
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(iterations >= 0 && iterations <= 10_000, "iterations", "a count in [0, 10000]", got: iterations)
            try ParameterError.require(learningRate > 0 && learningRate.isFinite, "learning_rate", "a finite step > 0", got: learningRate)
            try ParameterError.require(regularization >= 0 && regularization.isFinite, "regularization", "a finite ρ ≥ 0", got: regularization)
        }

        /// The verifiers whose score the search can differentiate (and `self-similarity:<network>`).
        public static let differentiableVerifiers = ["clf-mlp", "clf-vit", "self-similarity"]

        /// Whether `name` is one of ``differentiableVerifiers`` or a self-similarity of a named network.
        public static func isDifferentiable(_ name: String) -> Bool {
            differentiableVerifiers.contains(name) || (VerifierFactory.isSelfSimilarity(name) && VerifierFactory.selfSimilarityWorker(name) == nil)
        }

        public func check(_ setup: SearchSetup) throws(ParameterError) {
            if setup.modelIsExternal {
                throw .setting("model", "gradient search backpropagates through Sift's own SiT; an external worker's model gives no gradients (protocol version 1 has no gradient operation)")
            }
            if setup.solver == .sde {
                throw .setting("sampler.solver", "gradient search optimises the initial noise of a deterministic sampler: use euler or heun, not sde")
            }
            if !Self.isDifferentiable(setup.verifierName) {
                throw .setting("verifier", "gradient search needs a verifier it can differentiate (\(Self.differentiableVerifiers.joined(separator: ", "))), got '\(setup.verifierName)'")
            }
        }
    }

    public static let kind = "gradient"
    public static let summary = "Adam/SGD on the initial noise through the ODE sampler and a differentiable verifier (class logit or self-similarity), best iterate kept"
    public static var sweepsBudgetsInOneRun: Bool { true }

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    /// Every iterate is one generation with the search steps (and the finals when the steps differ).
    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? {
        let finals = settings.searchSteps == settings.finalSteps ? 0 : task.count * budgets.count
        return task.count * (parameters.iterations + 1) + finals
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        guard context.denoiser.model != nil else {
            throw SearchError.unsupported(algorithm: Self.kind, problem: "it backpropagates through Sift's own SiT, not an external worker's model")
        }
        let verifier = try context.makeVerifier()
        try check(verifier, context: context)
        guard let differentiable = verifier as? DifferentiableVerifier else {
            throw SearchError.unsupported(algorithm: Self.kind, problem: "verifier '\(verifier.name)' is not differentiable here")
        }
        let state = GradientRun(parameters: parameters, task: task, verifier: differentiable, context: context)
        try state.optimise(through: budgets.last!, reporting: Set(budgets))
        return budgets.map { finalOutcome(state.snapshots[$0]!, budget: $0, task: task, context: context) }
    }
}
