/// Errors of verifier use.
public enum VerifierError: Error, CustomStringConvertible, Equatable {
    case missingEarlyPrediction(verifier: String)
    case unknownVerifier(String, known: [String])
    case badEnsemble(String)
    /// A set-level or pool-relative verifier where a per-sample one is needed.
    case notPerSample(String)
    /// A running state that does not fit the verifier asked to resume from it.
    case notResumable(String)

    public var description: String {
        switch self {
        case .missingEarlyPrediction(let v): return "verifier '\(v)' needs the data prediction at t = 0.6, which the caller did not supply"
        case let .unknownVerifier(name, known): return "unknown verifier '\(name)'; valid choices: \(known.joined(separator: ", "))"
        case .badEnsemble(let problem): return "bad verifier ensemble: \(problem)"
        case .notPerSample(let problem): return problem
        case .notResumable(let problem): return problem
        }
    }
}
