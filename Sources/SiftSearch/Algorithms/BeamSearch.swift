import Foundation
import SiftModels
import SiftTensor

/// `beam`: beam search over sampling trajectories with look-ahead (DLBS; breadth-first search
/// with pruning). B beams per slot follow the SDE sampler; every `every` steps each beam branches
/// into K continuations (its state, fresh keyed SDE noise), each continuation is judged by the
/// verifier on a look-ahead estimate of its sample — the one-step data prediction x̂₁ read from
/// its last velocity (T′ = 0, no extra NFE) or an Euler roll-out of T′ steps to data — and the top
/// B of the B·K are kept. The last segment branches to data, and the best sample wins.
public struct BeamSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        public var beams = 2
        public var candidates = 2
        public var lookahead = 0
        public var every = 2
        public init() {}

        public static let budgetKey = "beams"
        public static let documentation: [(key: String, meaning: String)] = [
            ("beams", "B beams kept per sample (the budget axis; B = K = 1 is no search)"),
            ("candidates", "K continuations of each beam per block of steps"),
            ("lookahead", "T′ Euler steps of the look-ahead roll-out to data that judges a continuation (0: the one-step x̂₁)"),
            ("every", "solver steps per block between branchings"),
        ]
        public var budget: Int {
            get { beams }
            set { beams = newValue }
        }
        public var isNoSearch: Bool { beams == 1 && candidates == 1 }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            var p = Parameters()
            p.beams = try source.int("beams", default: p.beams)
            p.candidates = try source.int("candidates", default: p.candidates)
            p.lookahead = try source.int("lookahead", default: p.lookahead)
            p.every = try source.int("every", default: p.every)
            return p
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(beams >= 1, "beams", "a positive integer", got: beams)
            try ParameterError.require(candidates >= 1, "candidates", "a positive integer", got: candidates)
            try ParameterError.require(lookahead >= 0 && lookahead <= 1_000, "lookahead", "a number of steps in [0, 1000]", got: lookahead)
            try ParameterError.require(every >= 1, "every", "a positive number of steps", got: every)
        }

        public func check(_ setup: SearchSetup) throws(ParameterError) {
            try setup.requireStochasticTrajectories("beam search", unit: "beam", copies: "a beam's continuations would be identical",
                                                    rewards: "compares continuations across rounds by absolute scores")
        }

        /// The block ends (stochastic step indices) at which beams branch, for `steps` SDE steps;
        /// the last block runs on to data.
        public func branchSteps(steps: Int) -> [Int] {
            let stochastic = steps - 1
            guard stochastic > 0 else { return [] }
            return Array(stride(from: every, to: stochastic, by: every))
        }
    }

    public static let kind = "beam"
    public static var preferredSolver: Solver? { .sde }
    public static let summary = "B beams × K continuations per block of SDE steps, judged by a look-ahead x̂₁ or roll-out, top B kept"

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        try budgets.map { b in
            var p = parameters
            p.beams = b
            return try BeamRun(parameters: p, task: task, context: context).run(for: self)
        }
    }

    /// B·K trajectories per slot and budget (look-ahead roll-outs come on top).
    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? {
        task.count * budgets.reduce(0) { $0 + $1 * parameters.candidates }
    }
}
