/// What went wrong with an external worker; every case names the worker's command and, where
/// one was under way, the operation.
public enum WorkerError: Error, CustomStringConvertible, Equatable {
    case startFailed(command: String, reason: String)
    /// The worker exited or closed its stdout (status nil: still running, stdout closed).
    case died(command: String, op: String, doing: String, status: String?, stderr: String)
    case timedOut(command: String, op: String, seconds: Double, stderr: String)
    /// The worker answered something that is not a valid response to `op`.
    case badResponse(command: String, op: String, problem: String)
    /// The worker answered `ok: false`.
    case failed(command: String, op: String, message: String)
    /// The worker's description does not allow what Sift needs of it.
    case unsuitable(command: String, problem: String)

    public var description: String {
        switch self {
        case .startFailed(let c, let reason): return "worker '\(c)' could not be started: \(reason)"
        case .died(let c, let op, let doing, let status, let stderr):
            let how = status.map { "exited (\($0))" } ?? "closed its output"
            return "worker '\(c)' \(how) during '\(op)' (while \(doing))" + Self.tail(stderr)
        case .timedOut(let c, let op, let seconds, let stderr):
            return "worker '\(c)' sent nothing for \(Self.seconds(seconds)) s during '\(op)' and was stopped (raise the worker's `timeout` if it is just slow)" + Self.tail(stderr)
        case .badResponse(let c, let op, let problem): return "worker '\(c)' gave a bad answer to '\(op)': \(problem)"
        case .failed(let c, let op, let message): return "worker '\(c)' failed '\(op)': \(message)"
        case .unsuitable(let c, let problem): return "worker '\(c)': \(problem)"
        }
    }

    static func tail(_ stderr: String) -> String {
        stderr.isEmpty ? "" : "; its last stderr lines:\n" + stderr.split(separator: "\n", omittingEmptySubsequences: false).suffix(12).map { "  | " + $0 }.joined(separator: "\n")
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(s) }
}
