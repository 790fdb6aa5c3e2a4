/// Errors of search configuration and use.
public enum SearchError: Error, CustomStringConvertible, Equatable {
    case badParameter(algorithm: String, name: String, value: String, expected: String)
    case unsupported(algorithm: String, problem: String)

    /// A ``ParameterError`` raised by `algorithm`'s parameters.
    public init(_ error: ParameterError, algorithm: String) {
        self = .unsupported(algorithm: algorithm, problem: error.description)
    }

    public var description: String {
        switch self {
        case let .badParameter(algorithm, name, value, expected): return "\(algorithm) search: \(name) = \(value) is invalid; expected \(expected)"
        case let .unsupported(algorithm, problem): return "\(algorithm) search: \(problem)"
        }
    }
}
