import Foundation
import SiftData
import SiftModels
import SiftWorker

/// Builds verifiers by name, loading each zoo network once.
///
/// Names: `fid-oracle`, `is-oracle`, `clf-mlp`, `clf-vit`, `self-similarity` (features of the
/// self-supervised ssl-vit, trained without labels; `self-similarity:<network>` picks eval-cnn,
/// clf-mlp, clf-vit or ssl-vit). Ensembles come from
/// ``ensemble(rule:members:weights:)``.
public final class VerifierFactory {
    public static let names = ["fid-oracle", "is-oracle", "clf-mlp", "clf-vit", "self-similarity"]
    public static let selfSimilarityNetworks = ModelZoo.classifierNames
    /// The features `self-similarity` compares unless a network is named: the self-supervised
    /// encoder (label-free, as the paper's DINO).
    public static let defaultSelfSimilarityNetwork = "ssl-vit"

    let dataDirectory: String
    let log: (String) -> Void
    private var networks = [String: Classifier]()
    private var reference: ReferenceSet?

    public init(dataDirectory: String = FashionMNIST.defaultDirectory, log: @escaping (String) -> Void = { _ in }) {
        self.dataDirectory = dataDirectory
        self.log = log
    }

    /// Whether `name` is a self-similarity verifier (`self-similarity` or `self-similarity:<network>`).
    public static func isSelfSimilarity(_ name: String) -> Bool { name == "self-similarity" || name.hasPrefix("self-similarity:") }

    /// Whether `name` is an external worker's verifier, `worker[COMMAND]`.
    public static func isWorker(_ name: String) -> Bool { workerCommand(name) != nil }

    /// The command of a `worker[COMMAND]` spec (nil for other names).
    public static func workerCommand(_ name: String) -> String? {
        guard name.hasPrefix("worker["), name.hasSuffix("]") else { return nil }
        let command = name.dropFirst("worker[".count).dropLast().trimmingCharacters(in: .whitespaces)
        return command.isEmpty ? nil : command
    }

    /// The command of a `self-similarity:worker[COMMAND]` spec: self-similarity on the worker's
    /// `features` (nil for other names).
    public static func selfSimilarityWorker(_ name: String) -> String? {
        guard name.hasPrefix("self-similarity:") else { return nil }
        return workerCommand(String(name.dropFirst("self-similarity:".count)))
    }

    /// The spec of the worker verifier started with `command`.
    public static func workerSpec(command: String) -> String { "worker[\(command)]" }

    /// Throws unless `name` is a known single verifier (checks names without loading weights or
    /// starting workers).
    public static func validate(_ name: String) throws {
        if names.contains(name) || isWorker(name) || selfSimilarityWorker(name) != nil { return }
        if name.hasPrefix("self-similarity:"), selfSimilarityNetworks.contains(String(name.dropFirst("self-similarity:".count))) { return }
        throw VerifierError.unknownVerifier(name, known: names + selfSimilarityNetworks.map { "self-similarity:\($0)" })
    }

    /// Throws unless `name` is a single verifier that scores each sample on its own: not an
    /// ensemble (ranks within a pool) and not fid-oracle (scores a set). Such verifiers can be
    /// held out as metrics or correlated over a pool.
    public static func validatePerSample(_ name: String) throws {
        if (try? parseEnsemble(name)) != nil {
            throw VerifierError.notPerSample("'\(name)' is an ensemble, which ranks candidates only within a pool; name a single per-sample verifier")
        }
        try validate(name)
        if name == "fid-oracle" {
            throw VerifierError.notPerSample("fid-oracle scores a set (FID is already a metric); per-sample verifiers: is-oracle, clf-mlp, clf-vit, self-similarity[:network]")
        }
    }

    /// The worker commands of the verifier `spec` (its members' for an ensemble).
    public static func workerCommands(spec: String) throws -> [String] { try workerNeeds(spec: spec).map(\.command) }

    /// Each worker the verifier `spec` starts, with the operation it needs of it (`score`, or
    /// `features` for self-similarity).
    public static func workerNeeds(spec: String) throws -> [(command: String, op: String)] {
        (try parseEnsemble(spec)?.1 ?? [spec]).compactMap { name in
            if let c = workerCommand(name) { return (c, "score") }
            return selfSimilarityWorker(name).map { ($0, "features") }
        }
    }

    /// A zoo classifier, loaded once.
    public func network(_ name: String) throws -> Classifier {
        if let n = networks[name] { return n }
        let n = try ModelZoo.loadClassifier(name)
        networks[name] = n
        return n
    }

    /// The test-split reference of eval-cnn (cached on disk, loaded once).
    public func referenceSet() throws -> ReferenceSet {
        if let reference { return reference }
        let r = try ReferenceSet.load(network: try network("eval-cnn"), weights: ModelZoo.weightsURL("eval-cnn"),
                                      dataDirectory: dataDirectory, log: log)
        reference = r
        return r
    }

    /// The zoo network a single (validated) verifier reads.
    static func networkName(_ name: String) -> String {
        switch name {
        case "fid-oracle", "is-oracle": return "eval-cnn"
        case "clf-mlp", "clf-vit": return name
        case "self-similarity": return defaultSelfSimilarityNetwork
        default: return String(name.dropFirst("self-similarity:".count))
        }
    }

    /// The zoo networks the verifier of `spec` loads (its members' for an ensemble).
    public static func networks(spec: String) throws -> [String] {
        let names = try parseEnsemble(spec)?.1 ?? [spec]
        for name in names { try validate(name) }
        return Array(Set(names.filter { !isWorker($0) && selfSimilarityWorker($0) == nil }.map(networkName))).sorted()
    }

    /// A fresh verifier (verifiers carry running state and costs: one per search).
    public func make(_ name: String) throws -> Verifier {
        try Self.validate(name)
        if let command = Self.workerCommand(name) { return try WorkerVerifier(name: name, client: try WorkerCatalog.shared.client(command)) }
        if let command = Self.selfSimilarityWorker(name) { return try WorkerSelfSimilarityVerifier(name: name, client: try WorkerCatalog.shared.client(command)) }
        let net = try network(Self.networkName(name))
        switch name {
        case "fid-oracle": return FIDOracleVerifier(evaluationNetwork: net, reference: try referenceSet().frechet)
        case "is-oracle": return InceptionOracleVerifier(evaluationNetwork: net)
        case "clf-mlp", "clf-vit": return ClassLogitVerifier(name: name, classifier: net)
        case "self-similarity": return SelfSimilarityVerifier(network: net)
        default: return SelfSimilarityVerifier(network: net, name: name)
        }
    }

    /// A verifier from a spec: a single name, or an ensemble `rule(member[:weight], …)` such as
    /// `mean-rank(clf-vit,clf-mlp)` or `zscore(clf-vit:2,self-similarity:1)`.
    public func make(spec: String) throws -> Verifier {
        if let (rule, members, weights) = try Self.parseEnsemble(spec) { return try ensemble(rule: rule, members: members, weights: weights) }
        return try make(spec)
    }

    /// Checks a spec without loading any network.
    public static func validate(spec: String) throws {
        if let (_, members, _) = try parseEnsemble(spec) { for m in members { try validate(m) } } else { try validate(spec) }
    }

    /// What the verifier of `spec` needs and how it scores, known without loading any network
    /// (a test checks it against the verifiers ``make(spec:)`` builds).
    public static func traits(spec: String) throws -> VerifierTraits {
        if let (_, members, _) = try parseEnsemble(spec) {
            let parts = try members.map { try traits(spec: $0) }
            return VerifierTraits(needsEarlyPrediction: parts.contains(where: \.needsEarlyPrediction), isPoolRelative: true,
                                  spansSlots: parts.contains(where: \.spansSlots), handsOnRunningState: false)
        }
        try validate(spec)
        if isWorker(spec) { return VerifierTraits(needsEarlyPrediction: false, isPoolRelative: false) }
        return VerifierTraits(needsEarlyPrediction: isSelfSimilarity(spec), isPoolRelative: spec == "fid-oracle",
                              spansSlots: spec == "fid-oracle", handsOnRunningState: spec == "fid-oracle")
    }

    /// `spec` with every bare `self-similarity` written with the network it reads
    /// (`self-similarity:ssl-vit`), so that a cell's id names its verifier's network: cells run
    /// when the default was another network are not mistaken for its results. Other specs are
    /// returned unchanged, character for character (their cell ids stay).
    public static func canonical(spec: String) throws -> String {
        let bare = "self-similarity", named = "self-similarity:\(defaultSelfSimilarityNetwork)"
        guard let (rule, members, weights) = try parseEnsemble(spec) else { return spec == bare ? named : spec }
        guard members.contains(bare) else { return spec }
        let parts = members.enumerated().map { i, m in (m == bare ? named : m) + (weights.map { ":\(Self.weightText($0[i]))" } ?? "") }
        return "\(rule.rawValue)(\(parts.joined(separator: ",")))"
    }

    /// A weight as written in a spec (`2`, not `2.0`).
    static func weightText(_ w: Double) -> String { w == w.rounded() && abs(w) < 1e15 ? String(Int(w)) : String(w) }

    /// `rule(a[:w], b[:w], …)` → (rule, members, weights or nil); nil when `spec` is no ensemble.
    public static func parseEnsemble(_ spec: String) throws -> (EnsembleRule, [String], [Double]?)? {
        guard !spec.hasPrefix("worker["), selfSimilarityWorker(spec) == nil, let open = spec.firstIndex(of: "(") else { return nil }
        let ruleName = String(spec[..<open]).trimmingCharacters(in: .whitespaces)
        guard let rule = EnsembleRule(rawValue: ruleName) else {
            throw VerifierError.badEnsemble("unknown rule '\(ruleName)' in '\(spec)'; valid rules: \(EnsembleRule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard spec.hasSuffix(")") else { throw VerifierError.badEnsemble("'\(spec)' lacks its closing ')'") }
        let inner = spec[spec.index(after: open)..<spec.index(before: spec.endIndex)]
        var members = [String](), weights = [Double]()
        for part in topLevelParts(inner).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            // A trailing ":number" is a weight; "self-similarity:clf-mlp" is a name.
            if let colon = part.lastIndex(of: ":"), let w = Double(part[part.index(after: colon)...]) {
                members.append(String(part[..<colon]))
                weights.append(w)
            } else {
                members.append(part)
                weights.append(1)
            }
        }
        guard !members.isEmpty else { throw VerifierError.badEnsemble("'\(spec)' has no members") }
        return (rule, members, weights.allSatisfy { $0 == 1 } ? nil : weights)
    }

    /// `text` split at the commas outside `worker[…]` brackets (a worker's command may hold commas).
    static func topLevelParts(_ text: Substring) -> [Substring] {
        var parts = [Substring](), depth = 0, start = text.startIndex
        for i in text.indices {
            switch text[i] {
            case "[": depth += 1
            case "]": depth = max(0, depth - 1)
            case "," where depth == 0:
                parts.append(text[start..<i])
                start = text.index(after: i)
            default: break
            }
        }
        parts.append(text[start...])
        return parts
    }

    /// An ensemble of named members combined by `rule`.
    public func ensemble(rule: EnsembleRule, members: [String], weights: [Double]? = nil) throws -> Verifier {
        try EnsembleVerifier(members: members.map { try make($0) }, rule: rule, weights: weights)
    }
}

/// What a verifier needs and how its scores compare (``Verifier/needsEarlyPrediction``,
/// ``Verifier/isPoolRelative``), without building it.
public struct VerifierTraits: Equatable, Sendable {
    public let needsEarlyPrediction: Bool
    public let isPoolRelative: Bool
    /// ``Verifier/spansSlots``.
    public var spansSlots = false
    /// Whether ``Verifier/runningState`` is non-nil: a search whose scores span slots can still run
    /// in chunks (in slot order, each starting from the previous one's state).
    public var handsOnRunningState = false
    /// Whether a search with this verifier can be split into chunks of slots.
    public var chunkable: Bool { !spansSlots || handsOnRunningState }
}
