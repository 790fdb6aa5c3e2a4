import Foundation
import SiftMetrics
import SiftModels
import SiftSearch
import SiftTensor
import SiftUtilities
import SiftWorker

/// One fully resolved cell of an experiment: every setting with its default filled in.
public struct CellConfig: Equatable, Sendable {
    public static let topKeys = ["name", "description", "seed", "model", "sampler", "samples", "verifier", "algorithm", "metrics", "held_out",
                                 "bootstrap", "replicates", "launcher", "workers", "grid", "zip"]
    public static let metricNames = ["fid", "is", "kid", "precision", "recall", "class_fid"]

    public var name: String
    public var description: String
    public var seed: UInt64
    public var model: String
    public var sampler: SamplingSettings
    public var perClass: Int
    public var classes: [Int]
    /// A verifier spec (`clf-vit`, `mean-rank(clf-vit,clf-mlp)`, `zscore(a:2,b:1)`).
    public var verifier: String
    public var algorithm: AlgorithmConfig
    public var metrics: [String]
    /// Verifiers that score every final sample as evaluation metrics (not used in the search,
    /// not charged): per-sample verifiers only. Recorded as `held_out.<name>` (mean score).
    public var heldOut: [String]
    /// How the metrics' intervals are made (`bootstrap.replicates`, `bootstrap.seed`). Analysis
    /// only: not part of the cell id, so changing it never reruns a search.
    public var bootstrap: BootstrapOptions
    /// How `--launcher slurm` submits the cells (`launcher:`). Not part of the cell id.
    public var launcher: SlurmSettings
    /// How external workers are run (`workers: {batch, timeout}`). Not part of the cell id.
    public var workers: WorkerSettings
    /// The weights hash of each external worker the cell names, by command (part of the cell id).
    public var workerWeights: [String: String] = [:]

    /// Reads a cell from its expanded tree (no `grid`/`zip` left), validating every key.
    public init(tree: ConfigTree) throws {
        let top = try ConfigReader(tree)
        try top.onlyKeys(Self.topKeys)
        name = try top.requiredString("name")
        if let problem = Self.folderNameProblem(name) { throw ConfigError(top.raw("name")!.origin, "'name': \(problem)") }
        description = try top.string("description", default: "")
        seed = UInt64(try top.int("seed", default: 0, minimum: 0))
        workers = try Self.readWorkerSettings(try top.section("workers"))
        WorkerCatalog.shared.settings = workers
        guard let modelValue = top.raw("model") else { throw ConfigError(tree.origin, "missing key 'model'") }
        model = try Self.nameOrWorker(modelValue, key: "model").0
        if model.isEmpty { throw ConfigError(modelValue.origin, "'model' must not be empty") }

        let s = try top.section("sampler")
        try s.onlyKeys(["solver", "final_steps", "search_steps", "guidance"])
        sampler = SamplingSettings()
        sampler.solver = Solver(rawValue: try s.choice("solver", default: "heun", from: Solver.allCases.map(\.rawValue)))!
        let solverNamed = s.raw("solver") != nil
        sampler.finalSteps = try s.int("final_steps", default: 25, minimum: 1)
        sampler.searchSteps = try s.int("search_steps", default: sampler.finalSteps, minimum: 1)
        let guidance = try s.double("guidance", default: 1)
        if let problem = Denoiser.guidanceProblem(guidance) { throw ConfigError(s.raw("guidance")!.origin, "'sampler.guidance': \(problem)") }
        sampler.guidance = Float(guidance)
        sampler.seed = seed

        let samples = try top.section("samples")
        try samples.onlyKeys(["per_class", "classes"])
        perClass = try samples.int("per_class", default: 10, minimum: 1)
        classes = try samples.ints("classes") ?? Array(0..<10)
        if let bad = classes.first(where: { !(0..<10).contains($0) }) {
            throw ConfigError(samples.raw("classes")!.origin, "'samples.classes' holds \(bad); classes are 0…9")
        }
        guard !classes.isEmpty, Set(classes).count == classes.count else {
            throw ConfigError(samples.raw("classes")?.origin ?? tree.origin, "'samples.classes' must list distinct classes")
        }

        guard classes.count * perClass >= 4 else {
            throw ConfigError(samples.raw("per_class")?.origin ?? samples.tree.origin,
                              "a cell needs at least 4 samples (precision/recall use 3 neighbours); \(classes.count) classes × \(perClass) per class is \(classes.count * perClass)")
        }
        verifier = try Self.readVerifier(top)
        let algorithmSection = try top.section("algorithm")
        algorithm = try Self.readAlgorithm(algorithmSection)
        sampler.solver = algorithm.algorithmType.solver(named: solverNamed ? sampler.solver : nil)

        let metricList = try top.strings("metrics") ?? Self.metricNames.map { ($0, tree.origin) }
        for (m, origin) in metricList where !Self.metricNames.contains(m) {
            throw ConfigError(origin, "unknown metric '\(m)'; valid metrics: \(Self.metricNames.joined(separator: ", "))")
        }
        metrics = metricList.map(\.0)
        heldOut = try Self.readHeldOut(top)
        bootstrap = try Self.readBootstrap(try top.section("bootstrap"))
        launcher = try SlurmSettings(try top.section("launcher"))
        try checkAlgorithm(tree: tree, section: algorithmSection)
        workerWeights = try describeWorkers(top, tree: tree)
    }

    /// Why `name` cannot name the experiment's results folder (nil when it can): a plain folder
    /// name of letters, digits, `.`, `_` and `-`, not starting with a dot, so results stay
    /// inside `--results`.
    public static func folderNameProblem(_ name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        guard allowed, !name.hasPrefix("."), name.count <= 200 else {
            return "must be a plain folder name (letters, digits, '.', '_', '-'; not starting with '.'; at most 200 characters), got '\(name)'"
        }
        return nil
    }

    /// The algorithm's own refusals of the rest of the cell (``SearchParameters/check(_:)``), at the
    /// position of the setting it names.
    func checkAlgorithm(tree: ConfigTree, section: ConfigReader) throws {
        let traits = try VerifierFactory.traits(spec: verifier)
        let setup = SearchSetup(solver: sampler.solver, verifierNeedsEarlyPrediction: traits.needsEarlyPrediction,
                                verifierIsPoolRelative: traits.isPoolRelative,
                                recordsEarlyPrediction: try heldOut.contains { try VerifierFactory.traits(spec: $0).needsEarlyPrediction },
                                verifierName: verifier, modelIsExternal: modelWorkerCommand != nil)
        do { try algorithm.check(setup) } catch { throw Self.positioned(error, tree: tree, section: section) }
    }

    /// A parameter error at the value it names: an `algorithm.` key, or another setting of the cell.
    static func positioned(_ error: ParameterError, tree: ConfigTree, section: ConfigReader) -> ConfigError {
        switch error.place {
        case .parameter(let key): return ConfigError(section.raw(key)?.origin ?? section.tree.origin, error.description)
        case .setting(let path):
            let origin = tree.value(at: path.split(separator: ".").map(String.init))?.origin ?? section.tree.origin
            return ConfigError(origin, error.description)
        }
    }

    /// `bootstrap: {replicates: 1000, seed: …}`.
    static func readBootstrap(_ b: ConfigReader) throws -> BootstrapOptions {
        try b.onlyKeys(["replicates", "seed"])
        var options = BootstrapOptions()
        options.replicates = try b.int("replicates", default: options.replicates, minimum: 100)
        options.seed = UInt64(try b.int("seed", default: Int(options.seed), minimum: 0))
        return options
    }

    /// `held_out: [clf-mlp, self-similarity, …]`: distinct single per-sample verifiers.
    static func readHeldOut(_ top: ConfigReader) throws -> [String] {
        let list = try namesOrWorkers(top, "held_out") ?? []
        for (name, origin) in list {
            do { try VerifierFactory.validatePerSample(name) } catch { throw ConfigError(origin, "'held_out': \(error)") }
        }
        if let repeated = Dictionary(grouping: list, by: \.0).first(where: { $0.value.count > 1 }) {
            throw ConfigError(repeated.value[1].1, "'held_out' lists '\(repeated.key)' twice")
        }
        return list.map(\.0)
    }

    /// `verifier: clf-vit`, or `verifier: {ensemble: mean-rank, members: [clf-vit, clf-mlp], weights: [...]}`.
    static func readVerifier(_ top: ConfigReader) throws -> String {
        guard let value = top.raw("verifier") else { throw ConfigError(top.tree.origin, "missing key 'verifier'") }
        let spec: String
        switch value {
        case .scalar(let s, _, _): spec = s
        case .map where value.entries?.contains(where: { $0.key == "worker" }) == true:
            spec = try nameOrWorker(value, key: "verifier").0
        case .map:
            let v = try ConfigReader(value, path: "verifier")
            try v.onlyKeys(["ensemble", "members", "weights"])
            let rule = try v.choice("ensemble", default: "mean-rank", from: EnsembleRule.allCases.map(\.rawValue))
            guard let members = try namesOrWorkers(v, "members"), !members.isEmpty else { throw ConfigError(value.origin, "'verifier.members' must list the ensemble's verifiers") }
            let weights = try v.strings("weights")?.map { s, o -> Double in
                guard let w = Double(s) else { throw ConfigError(o, "'verifier.weights' must hold numbers, got '\(s)'") }
                return w
            }
            if let weights, weights.count != members.count {
                throw ConfigError(v.raw("weights")!.origin, "'verifier.weights' has \(weights.count) values for \(members.count) members")
            }
            for (member, origin) in members {
                do { try VerifierFactory.validate(member) } catch { throw ConfigError(origin, "'verifier.members': \(error)") }
            }
            spec = "\(rule)(" + members.enumerated().map { i, m in weights.map { "\(m.0):\($0[i])" } ?? m.0 }.joined(separator: ",") + ")"
        case .list(_, let o): throw ConfigError(o, "'verifier' must be a name or an ensemble mapping")
        }
        do { try VerifierFactory.validate(spec: spec) } catch { throw ConfigError(value.origin, "\(error)") }
        if let (rule, _, weights) = try? VerifierFactory.parseEnsemble(spec), let weights {
            if rule == .meanRank && Set(weights).count > 1 { throw ConfigError(value.origin, "mean-rank is unweighted; use ensemble: zscore for weights") }
            if weights.contains(where: { $0 < 0 || !$0.isFinite }) || weights.reduce(0, +) <= 0 {
                throw ConfigError(value.origin, "ensemble weights must be non-negative and not all zero, got \(weights)")
            }
        }
        return spec
    }

    /// `algorithm: {kind: …, <parameters>}`: the registered kind's parameters, each key checked.
    static func readAlgorithm(_ a: ConfigReader) throws -> AlgorithmConfig {
        let kind = try a.choice("kind", default: AlgorithmRegistry.defaultKind, from: AlgorithmRegistry.kinds)
        try a.onlyKeys(["kind"] + AlgorithmConfig.defaults(kind: kind)!.keys)
        do { return try AlgorithmConfig.read(kind: kind, from: AlgorithmSection(reader: a)) } catch let error as ParameterError {
            throw positioned(error, tree: a.tree, section: a)
        }
    }

    /// The canonical resolved configuration: what identifies the cell (name and description,
    /// which do not change results, are left out).
    public var canonicalJSON: String {
        var object: [String: Any] = [
            "seed": Int(seed), "model": model,
            "sampler": ["solver": sampler.solver.rawValue, "final_steps": sampler.finalSteps, "search_steps": sampler.searchSteps,
                        "guidance": Double(sampler.guidance)],
            "samples": ["per_class": perClass, "classes": classes],
            "verifier": Self.canonicalVerifier(verifier), "algorithm": algorithm.canonicalObject, "metrics": metrics.sorted(),
        ]
        // Only when set, so that cells without held-out verifiers keep their ids.
        if !heldOut.isEmpty { object["held_out"] = heldOut.map(Self.canonicalVerifier).sorted() }
        // Only with external workers: the hash of the weights file each names.
        if !workerWeights.isEmpty { object["workers"] = workerWeights }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// A verifier spec with the network of a bare `self-similarity` named
    /// (``VerifierFactory/canonical(spec:)``); specs are checked when the cell is read.
    static func canonicalVerifier(_ spec: String) -> String { (try? VerifierFactory.canonical(spec: spec)) ?? spec }

    /// 16 hex digits of a 64-bit FNV-1a hash of ``canonicalJSON``.
    public var id: String { FNV1a.hex(canonicalJSON.utf8) }

    /// The resolved configuration as YAML (for `config.yaml`).
    public var yaml: String {
        var lines = ["name: \(name)"]
        if !description.isEmpty { lines.append("description: \(ConfigTree.quote(description))") }
        lines += ["seed: \(seed)", "model: \(modelWorkerCommand == nil ? model : ConfigTree.quote(model))", "sampler:", "  solver: \(sampler.solver.rawValue)", "  final_steps: \(sampler.finalSteps)",
                  "  search_steps: \(sampler.searchSteps)", "  guidance: \(sampler.guidance)", "samples:", "  per_class: \(perClass)",
                  "  classes: [\(classes.map(String.init).joined(separator: ", "))]", "verifier: \(ConfigTree.quote(verifier))", "algorithm:"]
        lines += algorithm.canonicalObject.sorted { $0.key == "kind" || ($1.key != "kind" && $0.key < $1.key) }.map { "  \($0.key): \(AlgorithmConfig.text(of: $0.value))" }
        lines.append("metrics: [\(metrics.joined(separator: ", "))]")
        if !heldOut.isEmpty { lines.append("held_out: [\(heldOut.map(ConfigTree.quote).joined(separator: ", "))]") }
        if bootstrap != BootstrapOptions() { lines.append("bootstrap: {replicates: \(bootstrap.replicates), seed: \(bootstrap.seed)}") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// An `algorithm:` section as the source of an algorithm's parameters.
struct AlgorithmSection: ParameterSource {
    let reader: ConfigReader
    func int(_ key: String, default value: Int) throws -> Int { try reader.int(key, default: value) }
    func double(_ key: String, default value: Double) throws -> Double { try reader.double(key, default: value) }
    func bool(_ key: String, default value: Bool) throws -> Bool { try reader.bool(key, default: value) }
    func choice(_ key: String, default value: String, from choices: [String]) throws -> String {
        try reader.choice(key, default: value, from: choices)
    }
}
