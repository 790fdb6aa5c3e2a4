import Foundation

/// Every search algorithm, found by its `kind`. This list is the one place an algorithm is
/// registered: experiment files, cell ids, the runner, `sift search` and the docs check all go
/// through it.
public enum AlgorithmRegistry {
    /// The algorithms, in the order the documentation lists them.
    public static var algorithms: [any SearchAlgorithm.Type] { [RandomSearch.self, ZeroOrderSearch.self, PathSearch.self, SMCSearch.self, BeamSearch.self, EvolutionSearch.self, GradientSearch.self, TreeSearch.self] }

    /// The kind of a cell that names none.
    public static var defaultKind: String { RandomSearch.kind }

    public static var kinds: [String] { algorithms.map { $0.kind } }

    /// The algorithm of `kind`, if registered.
    public static func algorithm(_ kind: String) -> (any SearchAlgorithm.Type)? { algorithms.first { $0.kind == kind } }
}

extension SearchAlgorithm {
    /// Reads this algorithm's parameters (type errors from `source`, range errors as ``ParameterError``).
    static func readConfig(_ source: ParameterSource) throws -> AlgorithmConfig {
        let parameters = try Parameters.read(source)
        try parameters.validate()
        return AlgorithmConfig(kind: kind, parameters: parameters)
    }

    /// An algorithm on type-erased parameters of its own type.
    static func make(_ parameters: any SearchParameters, budgets: [Int]) throws -> any SearchAlgorithm {
        guard let typed = parameters as? Parameters else { preconditionFailure("\(kind): parameters of another algorithm") }
        return try Self(typed, budgets: budgets)
    }

    static var defaultConfig: AlgorithmConfig { AlgorithmConfig(kind: kind, parameters: Parameters()) }
}

/// The algorithm of one cell: a registered kind and its typed parameters (type-erased), with the
/// canonical form cell ids hash.
public struct AlgorithmConfig: Hashable, Sendable, CustomStringConvertible {
    public let kind: String
    public private(set) var parameters: any SearchParameters

    init(kind: String, parameters: any SearchParameters) {
        self.kind = kind
        self.parameters = parameters
    }

    /// Reads the parameters of `kind` from `source`; throws ``ParameterError`` for values out of range.
    public static func read(kind: String, from source: ParameterSource) throws -> AlgorithmConfig {
        guard let type = AlgorithmRegistry.algorithm(kind) else {
            throw SearchError.unsupported(algorithm: kind, problem: "unknown algorithm; valid kinds: \(AlgorithmRegistry.kinds.joined(separator: ", "))")
        }
        return try type.readConfig(source)
    }

    /// Every parameter of `kind` at its default.
    public static func defaults(kind: String) -> AlgorithmConfig? { AlgorithmRegistry.algorithm(kind)?.defaultConfig }

    public var algorithmType: any SearchAlgorithm.Type { AlgorithmRegistry.algorithm(kind)! }

    /// The key of the budget axis (`candidates`, `iterations`, `width`, …).
    public var budgetKey: String { type(of: parameters).budgetKey }

    /// The value on the budget axis.
    public var budget: Int {
        get { parameters.budget }
        set {
            var p = parameters
            p.budget = newValue
            parameters = p
        }
    }

    /// Whether this cell is its algorithm's no-search baseline.
    public var isNoSearch: Bool { parameters.isNoSearch }

    /// The parameter keys (without `kind`), in documentation order.
    public var keys: [String] { type(of: parameters).documentation.map(\.key) }

    /// Refuses settings of the rest of the cell the algorithm cannot work with.
    public func check(_ setup: SearchSetup) throws(ParameterError) { try parameters.check(setup) }

    /// The parameters as a JSON-compatible object with `kind` (every default filled in): the
    /// canonical form in cell ids and the values of `config.yaml`.
    public var canonicalObject: [String: Any] {
        let data = try! JSONEncoder().encode(parameters)
        var object = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        object["kind"] = kind
        return object
    }

    /// An algorithm running these parameters at every budget of `budgets` (default: this cell's own).
    public func makeAlgorithm(budgets: [Int]? = nil) throws -> any SearchAlgorithm {
        try algorithmType.make(parameters, budgets: budgets ?? [budget])
    }

    public static func == (a: AlgorithmConfig, b: AlgorithmConfig) -> Bool {
        a.kind == b.kind && AnyHashable(a.parameters) == AnyHashable(b.parameters)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(AnyHashable(parameters))
    }

    /// `kind key=value …` in documentation order.
    public var description: String { describe(budgets: [budget]) }

    /// `kind key=value …` with the budget key holding `budgets` (a sweep as a comma list).
    public func describe(budgets: [Int]) -> String {
        let values = canonicalObject
        return ([kind] + keys.map { key in
            "\(key)=" + (key == budgetKey ? budgets.map(String.init).joined(separator: ",") : Self.text(of: values[key]!))
        }).joined(separator: " ")
    }

    /// A JSON scalar's text, also valid YAML: `true`, `4`, `0.95`, a quoted string.
    public static func text(of value: Any) -> String {
        let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
    }
}
