import Foundation
import SiftModels
import SiftTensor

/// `evolution` (EvoSearch-style): a population of P initial noises per slot, generated with the
/// search steps and scored; each generation keeps the E best (elites) and breeds P − E children,
/// each from the winner of a two-way tournament, mutated as √(1 − β²)·parent + β·ε (which keeps
/// a standard-normal parent standard normal). One run reports every generation count of its
/// sweep; the best individual ever seen (an elite, so the best of the last population) is
/// re-generated with the final steps.
public struct EvolutionSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        public var population = 8
        public var elites = 2
        public var mutation = 0.5
        public var generations = 3
        public init() {}

        public static let budgetKey = "generations"
        public static let documentation: [(key: String, meaning: String)] = [
            ("population", "P initial noises per sample, and the population size"),
            ("elites", "E best kept unchanged into each generation, in [0, P)"),
            ("mutation", "β of a child √(1 − β²)·parent + β·ε, in (0, 1]"),
            ("generations", "generations after the first population (the budget axis; P = 1 with 0 generations is no search)"),
        ]
        public var budget: Int {
            get { generations }
            set { generations = newValue }
        }
        public var isNoSearch: Bool { population == 1 && generations == 0 }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            var p = Parameters()
            p.population = try source.int("population", default: p.population)
            p.elites = try source.int("elites", default: p.elites)
            p.mutation = try source.double("mutation", default: p.mutation)
            p.generations = try source.int("generations", default: p.generations)
            return p
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(population >= 1, "population", "a positive integer", got: population)
            try ParameterError.require(elites >= 0 && elites < max(population, 1), "elites",
                                       "a count in [0, population) (population = \(population))", got: elites)
            try ParameterError.require(mutation > 0 && mutation <= 1, "mutation", "a strength β in (0, 1]", got: mutation)
            try ParameterError.require(generations >= 0, "generations", "a count ≥ 0", got: generations)
        }

        public func check(_ setup: SearchSetup) throws(ParameterError) {
            if setup.verifierIsPoolRelative {
                throw .setting("verifier", "evolution compares individuals across generations by absolute scores; '\(setup.verifierName)' scores relative to its pool (use a per-sample verifier)")
            }
        }
    }

    public static let kind = "evolution"
    public static let summary = "a population of noises per sample: elites kept, tournament parents mutated √(1−β²)·x + β·ε, every generation count from one run"
    public static var sweepsBudgetsInOneRun: Bool { true }

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    /// Candidate index of the first child in keys (`selection.jsonl`); the first population uses 0…P−1.
    public static let childKeyBase = 2_000_000

    /// Candidates one run generates with the search steps (and the final generations when the steps differ).
    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? {
        let finals = settings.searchSteps == settings.finalSteps ? 0 : task.count * budgets.count
        return task.count * (parameters.population + parameters.generations * (parameters.population - parameters.elites)) + finals
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        let verifier = try context.makeVerifier()
        try check(verifier, context: context)
        let state = EvolutionRun(search: self, task: task, verifier: verifier, context: context)
        try state.evolve(through: budgets.last!, reporting: Set(budgets))
        return budgets.map { finalOutcome(state.snapshots[$0]!, budget: $0, task: task, context: context) }
    }
}
