import Foundation
import SiftModels
import SiftTensor

/// `tree`: Diffusion Tree Sampling/Search (Jain et al. 2025), anytime. Each sample grows a tree of
/// partial SDE trajectories whose levels are the boundaries every `every` steps (the root's
/// children are initial noises). One roll-out: descend from the root — a node with fewer than
/// `branching` children (or whose children are all finished samples) grows a new child, else a
/// child is drawn with probability ∝ exp(λ·v) — solve the new child's segment, roll it out to
/// data with its own keyed SDE noise, score the sample, and back the reward up the path as soft
/// values v = (1/λ)·log mean exp(λ·v_child). The best sample of all roll-outs wins; one run
/// reports every roll-out count of its sweep.
public struct TreeSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        public var rollouts = 4
        public var branching = 2
        public var every = 4
        public var lambda = 10.0
        public init() {}

        public static let budgetKey = "rollouts"
        public static let documentation: [(key: String, meaning: String)] = [
            ("rollouts", "roll-outs to data per sample, each scored once (the budget axis; 1 is no search)"),
            ("branching", "children a node grows before its children are revisited"),
            ("every", "SDE steps between tree levels"),
            ("lambda", "λ of the soft values and of the draw ∝ exp(λ·v) that revisits a child, ≥ 0 (large: greedy)"),
        ]
        public var budget: Int {
            get { rollouts }
            set { rollouts = newValue }
        }
        public var isNoSearch: Bool { rollouts == 1 }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            var p = Parameters()
            p.rollouts = try source.int("rollouts", default: p.rollouts)
            p.branching = try source.int("branching", default: p.branching)
            p.every = try source.int("every", default: p.every)
            p.lambda = try source.double("lambda", default: p.lambda)
            return p
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(rollouts >= 1 && rollouts <= 100_000, "rollouts", "a count in [1, 100000]", got: rollouts)
            try ParameterError.require(branching >= 1, "branching", "a positive integer", got: branching)
            try ParameterError.require(every >= 1, "every", "a positive number of steps", got: every)
            try ParameterError.require(lambda >= 0 && lambda.isFinite, "lambda", "a finite λ ≥ 0", got: lambda)
        }

        public func check(_ setup: SearchSetup) throws(ParameterError) {
            try setup.requireStochasticTrajectories("tree search", unit: "node", copies: "every child of a node would repeat its parent's path",
                                                    rewards: "backs absolute rewards up the tree")
        }

        /// The tree's level boundaries (stochastic step indices) for `steps` SDE steps: 0 (noise),
        /// every `every` steps, and `steps` (data).
        public func levels(steps: Int) -> [Int] {
            Array(stride(from: 0, to: max(steps - 1, 1), by: every)) + [steps]
        }
    }

    public static let kind = "tree"
    public static var preferredSolver: Solver? { .sde }
    public static let summary = "Diffusion tree search: roll-outs from a tree of partial SDE trajectories, soft-value backups, best sample kept (anytime)"
    public static var sweepsBudgetsInOneRun: Bool { true }

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        let verifier = try context.makeVerifier()
        try check(verifier, context: context)
        return try TreeRun(parameters: parameters, task: task, context: context).run(budgets: budgets, verifier: verifier, for: self)
    }

    /// One roll-out (a full trajectory's worth of steps at most) per slot and roll-out.
    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? {
        task.count * (budgets.max() ?? 0)
    }
}
