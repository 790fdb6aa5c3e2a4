import SiftModels
import SiftTensor

/// A search algorithm: propose candidates → denoise them in large batches → score with the
/// verifier → select, repeated as the algorithm needs, with every pass charged to a ledger.
///
/// An algorithm is one file: a type with a `kind` (its name in experiment files), a typed
/// ``Parameters`` value and ``run(_:context:)``. Listing the type in ``AlgorithmRegistry`` makes it
/// readable from YAML and `sift search`, gives its cells ids, runs it in experiments and plots it.
/// Shared chores (batching, segment solves, final regeneration, ledger charging, t = 0.6
/// predictions) live in the toolkit (``SearchToolkit``, ``SegmentSolver``, ``Batches``).
public protocol SearchAlgorithm {
    associatedtype Parameters: SearchParameters
    /// Work a group of cells can share (random search: one candidate pool); `Void` when none.
    associatedtype SharedWork = Void

    /// The name in experiment files and on the command line (`random`, `zero-order`, …).
    static var kind: String { get }
    /// One line for the documentation.
    static var summary: String { get }
    /// Whether cells that differ only in the verifier can share ``SharedWork``.
    static var sharesWorkAcrossVerifiers: Bool { get }
    /// Whether one run yields the outcomes of several budgets (cells differing only in the budget
    /// then run once, as a group).
    static var sweepsBudgetsInOneRun: Bool { get }
    /// The sampler a cell uses when its file names none (nil: the default, Heun); the searches
    /// over stochastic trajectories need the SDE sampler, so `algorithm: {kind: smc}` alone runs.
    static var preferredSolver: Solver? { get }

    /// The parameters (their `budget` is the largest of ``budgets``).
    var parameters: Parameters { get }
    /// Budgets one run reports, ascending and distinct.
    var budgets: [Int] { get }

    /// Validates `parameters` at every budget of `budgets`.
    init(_ parameters: Parameters, budgets: [Int]) throws

    /// One outcome per budget, in ascending budget order.
    func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome]

    /// The work a group of cells shares (nil: nothing to share), made once before their runs.
    /// `earlyPrediction`: whether any of the group's verifiers needs t = 0.6 predictions.
    func prepareSharedWork(_ task: SearchTask, earlyPrediction: Bool, context: SearchContext) throws -> SharedWork?
    /// ``run(_:context:)`` using work prepared by ``prepareSharedWork(_:earlyPrediction:context:)``.
    func run(_ task: SearchTask, context: SearchContext, shared: SharedWork?) throws -> [SearchOutcome]

    /// Candidates the run will generate (for progress lines), nil when it does not count them.
    func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int?

    /// The final samples of a finished run from its chosen keys alone, when the algorithm can make
    /// them without searching again (random search: each key's own noise with the final steps),
    /// with their t = 0.6 predictions when `earlyPrediction`; nil when it cannot (the search is rerun).
    func finalSamples(of chosen: [CandidateKey], context: SearchContext, earlyPrediction: Bool) -> (images: Tensor, early: Tensor?)?
}

extension SearchAlgorithm {
    public static var sharesWorkAcrossVerifiers: Bool { false }
    public static var sweepsBudgetsInOneRun: Bool { false }
    public static var preferredSolver: Solver? { nil }
    /// The sampler of a cell or a `sift search`: the one `named`, else ``preferredSolver``, else Heun.
    public static func solver(named: Solver?) -> Solver { named ?? preferredSolver ?? .heun }
    public func prepareSharedWork(_ task: SearchTask, earlyPrediction: Bool, context: SearchContext) throws -> SharedWork? { nil }
    public func run(_ task: SearchTask, context: SearchContext, shared: SharedWork?) throws -> [SearchOutcome] {
        try run(task, context: context)
    }
    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? { nil }
    public func finalSamples(of chosen: [CandidateKey], context: SearchContext, earlyPrediction: Bool) -> (images: Tensor, early: Tensor?)? { nil }

    /// An algorithm reporting the one budget of `parameters`.
    public init(_ parameters: Parameters) throws { try self.init(parameters, budgets: [parameters.budget]) }

    /// `parameters` with `budget` set to the largest of `budgets` (sorted, distinct), after checking
    /// every budget with ``SearchParameters/validate()``. For the algorithms' initialisers.
    public static func validated(_ parameters: Parameters, budgets: [Int]) throws -> (Parameters, [Int]) {
        let sorted = Array(Set(budgets)).sorted()
        guard let largest = sorted.last else {
            throw SearchError.badParameter(algorithm: kind, name: Parameters.budgetKey, value: "[]", expected: "at least one budget")
        }
        for budget in sorted {
            var p = parameters
            p.budget = budget
            do { try p.validate() } catch { throw SearchError(error, algorithm: kind) }
        }
        var p = parameters
        p.budget = largest
        return (p, sorted)
    }

    /// Refuses a verifier or context this algorithm cannot work with (``SearchParameters/check(_:)``).
    public func check(_ verifier: Verifier, context: SearchContext) throws {
        let setup = SearchSetup(solver: context.settings.solver, verifierNeedsEarlyPrediction: verifier.needsEarlyPrediction,
                                verifierIsPoolRelative: verifier.isPoolRelative, recordsEarlyPrediction: context.recordEarlyPrediction,
                                verifierName: verifier.name)
        do { try parameters.check(setup) } catch { throw SearchError(error, algorithm: Self.kind) }
    }
}
