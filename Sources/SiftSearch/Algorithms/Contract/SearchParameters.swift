import SiftModels

/// The typed parameters of one algorithm: Codable (the encoded keys are the experiment-file keys
/// under `algorithm.`, and the canonical form that cell ids hash), Hashable, with their defaults
/// (``init()``), their validation and the name of their budget axis.
public protocol SearchParameters: Codable, Hashable, Sendable {
    /// Every parameter at its default.
    init()
    /// The key of the budget axis (`candidates`, `iterations`, `width`, …).
    static var budgetKey: String { get }
    /// Each key with one line of documentation, in the order the docs list them.
    static var documentation: [(key: String, meaning: String)] { get }
    /// The value on the budget axis.
    var budget: Int { get set }
    /// Whether this budget is the no-search baseline of its algorithm (random N = 1, zero-order
    /// with 0 iterations); the report compares searched cells with it.
    var isNoSearch: Bool { get }
    /// Reads every key from `source` (type errors at the value's position), defaults for the rest.
    static func read(_ source: ParameterSource) throws -> Self
    /// Throws at the first parameter out of its range.
    func validate() throws(ParameterError)
    /// Throws when the cell's other settings cannot work with these parameters (an SDE sampler for
    /// paths, a pool-relative verifier with restarts, …). Default: everything works.
    func check(_ setup: SearchSetup) throws(ParameterError)
}

extension SearchParameters {
    public func check(_ setup: SearchSetup) throws(ParameterError) {}
}

/// Typed values of an algorithm's parameters, from an experiment file, an override or the command
/// line; each read throws an error at the value's position when it has the wrong type.
public protocol ParameterSource {
    func int(_ key: String, default value: Int) throws -> Int
    func double(_ key: String, default value: Double) throws -> Double
    func bool(_ key: String, default value: Bool) throws -> Bool
    func choice(_ key: String, default value: String, from choices: [String]) throws -> String
}

/// What an algorithm may need to know of the rest of a cell to refuse it early.
public struct SearchSetup: Sendable {
    public var solver: Solver
    public var verifierNeedsEarlyPrediction: Bool
    public var verifierIsPoolRelative: Bool
    /// Whether the final samples' t = 0.6 predictions must be recorded (a held-out self-similarity).
    public var recordsEarlyPrediction: Bool
    public var verifierName: String
    /// Whether the model is an external worker's (no autograd forward in Sift).
    public var modelIsExternal = false
    public init(solver: Solver, verifierNeedsEarlyPrediction: Bool, verifierIsPoolRelative: Bool, recordsEarlyPrediction: Bool,
                verifierName: String, modelIsExternal: Bool = false) {
        self.modelIsExternal = modelIsExternal
        self.solver = solver
        self.verifierNeedsEarlyPrediction = verifierNeedsEarlyPrediction
        self.verifierIsPoolRelative = verifierIsPoolRelative
        self.recordsEarlyPrediction = recordsEarlyPrediction
        self.verifierName = verifierName
    }

    /// The settings a search over stochastic trajectories needs (smc, beam, tree): the SDE
    /// sampler (`copies` says what would go wrong without it), and a per-sample verifier that needs
    /// no t = 0.6 prediction, since a trajectory's history is shared with its ancestors'.
    /// `what` names the search and its units ("smc", "particle"; "beam search", "beam").
    public func requireStochasticTrajectories(_ what: String, unit: String, copies: String, rewards: String) throws(ParameterError) {
        if solver != .sde {
            throw .setting("sampler.solver", "\(what) needs the stochastic sampler (sampler.solver: sde): with \(solver.rawValue) \(copies)")
        }
        if verifierNeedsEarlyPrediction {
            throw .setting("verifier", "\(what) cannot use '\(verifierName)': it needs the t = 0.6 prediction of one full generation, and a \(unit)'s history is its ancestors'")
        }
        if recordsEarlyPrediction {
            throw .setting("held_out", "\(what) cannot report a held-out self-similarity score: its \(unit)s have no t = 0.6 prediction of their own")
        }
        if verifierIsPoolRelative {
            throw .setting("verifier", "\(what) \(rewards); '\(verifierName)' scores relative to its pool (use a per-sample verifier)")
        }
    }
}

/// A parameter that is out of range, or a setting of the cell that the algorithm cannot work with.
public struct ParameterError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Where the problem is: one of the algorithm's keys, or a dotted key of the cell
    /// (`sampler.solver`, `verifier`, `held_out`).
    public enum Place: Equatable, Sendable {
        case parameter(String)
        case setting(String)
    }
    public let place: Place
    public let message: String

    public init(_ place: Place, _ message: String) {
        self.place = place
        self.message = message
    }

    /// An out-of-range parameter.
    public static func parameter(_ key: String, _ message: String) -> ParameterError { ParameterError(.parameter(key), message) }
    /// A cell setting the algorithm refuses.
    public static func setting(_ key: String, _ message: String) -> ParameterError { ParameterError(.setting(key), message) }

    /// Throws `.parameter(key, "must be …, got v")` unless `ok`.
    public static func require(_ ok: Bool, _ key: String, _ expected: String, got value: Any) throws(ParameterError) {
        if !ok { throw .parameter(key, "must be \(expected), got \(value)") }
    }

    public var description: String {
        switch place {
        case .parameter(let key): return "'algorithm.\(key)' \(message)"
        case .setting: return message
        }
    }
}
