import SiftModels
import SiftTensor

/// `zero-order` (ZO-N): each slot starts from its keyed noise as the pivot; every iteration draws
/// N neighbours on the norm-preserving cosine-τ shell around the pivot,
/// `y = ‖n‖ (τ u + √(1 − τ²) w)` with `u = n/‖n‖` and `w` a random unit direction ⟂ u, generates
/// them with `searchSteps`, and scores pivot and neighbours together; the pivot moves only when a
/// neighbour beats it (ties keep the pivot). With `restart`, a round without improvement retires
/// the pivot (remembered as a global best) and starts a fresh keyed noise. The budget axis is
/// iterations: one run yields the outcome after every iteration count in ``budgets``, each
/// re-generated with `finalSteps` (reused when the step counts are equal).
public struct ZeroOrderSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        public var neighbours = 4
        public var iterations = 4
        public var tau = 0.95
        public var restart = false
        public init() {}
        public init(neighbours: Int, iterations: Int, tau: Double = Parameters().tau, restart: Bool = false) {
            self.neighbours = neighbours
            self.iterations = iterations
            self.tau = tau
            self.restart = restart
        }

        public static let budgetKey = "iterations"
        public static let documentation: [(key: String, meaning: String)] = [
            ("neighbours", "N neighbours per iteration"),
            ("iterations", "iterations (the budget axis; 0 = no search)"),
            ("tau", "cosine between pivot and neighbours, in (0, 1] (1 = never moves)"),
            ("restart", "fresh pivot after a round without improvement, keeping the global best"),
        ]
        public var budget: Int {
            get { iterations }
            set { iterations = newValue }
        }
        public var isNoSearch: Bool { iterations == 0 }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            let d = Parameters()
            return Parameters(neighbours: try source.int("neighbours", default: d.neighbours), iterations: try source.int("iterations", default: d.iterations),
                              tau: try source.double("tau", default: d.tau), restart: try source.bool("restart", default: d.restart))
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(neighbours >= 1, "neighbours", "a positive integer", got: neighbours)
            try ParameterError.require(iterations >= 0, "iterations", "a non-negative integer", got: iterations)
            try ParameterError.require(tau > 0 && tau <= 1, "tau", "a cosine in (0, 1]", got: tau)
        }

        public func check(_ setup: SearchSetup) throws(ParameterError) {
            if restart && setup.verifierIsPoolRelative {
                throw .parameter("restart", "compares scores across rounds, which '\(setup.verifierName)' only ranks within one pool; use restart: false")
            }
        }
    }

    public static let kind = "zero-order"
    public static let summary = "local search on the cosine-τ shell around a pivot noise, which moves on improvement"
    public static var sweepsBudgetsInOneRun: Bool { true }

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    /// ZO-`neighbours` reporting every iteration count of `iterations`.
    public init(neighbours: Int, iterations: [Int], tau: Double = Parameters().tau, restart: Bool = false) throws {
        try self.init(Parameters(neighbours: neighbours, iterations: 0, tau: tau, restart: restart), budgets: iterations)
    }

    /// Candidate index of neighbour 0 in keys (SDE noise, `selection.jsonl`); restart pivots use 1, 2, ….
    public static let neighbourKeyBase = 1_000_000

    /// A neighbour of `pivot` on the cosine-τ shell, from a standard-normal `direction`.
    public static func neighbour(of pivot: [Float], direction v: [Float], tau: Double) -> [Float] {
        let norm = pivot.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { return pivot }
        let u = pivot.map { Double($0) / norm }
        let along = zip(v, u).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        var w = zip(v, u).map { Double($0) - along * $1 }
        let wNorm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if wNorm > 0 { w = w.map { $0 / wNorm } }
        let side = (1 - tau * tau).squareRoot()
        return zip(u, w).map { Float(norm * (tau * $0 + side * $1)) }
    }

    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? {
        // Pivots, neighbours and (steps differing) the final samples; restarts come on top.
        let finals = settings.searchSteps == settings.finalSteps ? 0 : task.count * budgets.count
        return task.count * (1 + parameters.neighbours * parameters.iterations) + finals
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        let verifier = try context.makeVerifier()
        try check(verifier, context: context)
        let state = ZeroOrderRun(search: self, task: task, verifier: verifier, context: context)
        try state.iterate(through: budgets.last!, reporting: Set(budgets))
        return budgets.map { finalOutcome(state.snapshots[$0]!, budget: $0, task: task, context: context) }
    }
}
