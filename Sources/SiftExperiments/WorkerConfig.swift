import SiftSearch
import SiftWorker

/// External workers in experiment files (docs/WORKER-PROTOCOL.md): `model: {worker: COMMAND}`,
/// `verifier: {worker: COMMAND}` (also as ensemble members and held-out verifiers), and the
/// `workers: {batch, timeout}` section. A worker is written `worker[COMMAND]` in the resolved
/// configuration; reading a cell starts and describes its workers, since the weights file each
/// names is hashed into the cell's id.
extension CellConfig {
    /// The command of a `worker[COMMAND]` model (nil for Sift's own models).
    public var modelWorkerCommand: String? { VerifierFactory.workerCommand(model) }

    /// Every worker command the cell names: its model's, its verifier's and its held-out verifiers'.
    public var workerCommands: [String] {
        var commands = modelWorkerCommand.map { [$0] } ?? []
        for spec in [verifier] + heldOut { commands += (try? VerifierFactory.workerCommands(spec: spec)) ?? [] }
        return Array(Set(commands)).sorted()
    }

    /// A model or verifier named in the file: a plain name as written, or `{worker: COMMAND}` as
    /// `worker[COMMAND]`.
    static func nameOrWorker(_ value: ConfigTree, key: String) throws -> (String, ConfigOrigin) {
        switch value {
        case .scalar(let s, _, let o): return (s, o)
        case .map(_, let o):
            let r = try ConfigReader(value, path: key)
            try r.onlyKeys(["worker"])
            let command = try r.requiredString("worker").trimmingCharacters(in: .whitespaces)
            guard !command.isEmpty else { throw ConfigError(r.raw("worker")!.origin, "'\(key).worker' must be a command") }
            guard !command.contains("]") || command.filter({ $0 == "[" }).count == command.filter({ $0 == "]" }).count else {
                throw ConfigError(r.raw("worker")!.origin, "'\(key).worker' has unbalanced brackets")
            }
            return (VerifierFactory.workerSpec(command: command), o)
        case .list(_, let o): throw ConfigError(o, "'\(key)' must be a name or {worker: COMMAND}")
        }
    }

    /// A list of verifier names, each a plain name or `{worker: COMMAND}`.
    static func namesOrWorkers(_ top: ConfigReader, _ key: String) throws -> [(String, ConfigOrigin)]? {
        guard let value = top.raw(key) else { return nil }
        switch value {
        case .list(let items, _): return try items.map { try nameOrWorker($0, key: top.name(key)) }
        default: return [try nameOrWorker(value, key: top.name(key))]
        }
    }

    /// `workers: {batch: N, timeout: SECONDS}`.
    static func readWorkerSettings(_ w: ConfigReader) throws -> WorkerSettings {
        try w.onlyKeys(["batch", "timeout"])
        var settings = WorkerSettings()
        if w.raw("batch") != nil { settings.batch = try w.int("batch", default: 256, minimum: 1) }
        settings.timeout = try w.double("timeout", default: settings.timeout)
        guard settings.timeout > 0, settings.timeout.isFinite else { throw ConfigError(w.raw("timeout")!.origin, "'workers.timeout' must be a positive number of seconds") }
        return settings
    }

    /// Starts and describes the cell's workers and checks that each can play its part; returns
    /// each command's weights hash (``WorkerCatalog/weightsHash(_:)``). Errors point at the key
    /// that names the worker.
    func describeWorkers(_ top: ConfigReader, tree: ConfigTree) throws -> [String: String] {
        var hashes = [String: String]()
        func at(_ key: String) -> ConfigOrigin { top.raw(key)?.origin ?? tree.origin }
        if let command = modelWorkerCommand {
            do {
                let d = try WorkerCatalog.shared.describe(command)
                try d.require("velocity", named: "as a model", command: command)
                guard d.outputImageShape == [1, 28, 28] else {
                    throw WorkerError.unsuitable(command: command, problem: "makes images of shape \(d.outputImageShape ?? [])\(d.ops.contains("decode") ? " (decoded)" : ""); Sift's metrics (eval-cnn) and built-in verifiers read [1, 28, 28] images")
                }
                if let c = d.classes, let top = classes.max(), top >= c {
                    throw WorkerError.unsuitable(command: command, problem: "knows \(c) classes, the cell asks for class \(top)")
                }
                if sampler.guidance != 1 && !d.guidesNatively && d.nullClass == nil {
                    throw ConfigError((try? top.section("sampler"))?.raw("guidance")?.origin ?? at("sampler"),
                                      "'sampler.guidance': the worker '\(command)' has no null class and no native guidance, so guidance must be 1")
                }
                hashes[command] = try WorkerCatalog.shared.weightsHash(command)
            } catch let error as ConfigError { throw error } catch {
                throw ConfigError(at("model"), "'model': \(error)")
            }
        }
        for (key, spec) in [("verifier", verifier)] + heldOut.map({ ("held_out", $0) }) {
            for (command, op) in try VerifierFactory.workerNeeds(spec: spec) {
                do {
                    let d = try WorkerCatalog.shared.describe(command)
                    try d.require(op, named: op == "score" ? "as a verifier" : "for self-similarity", command: command)
                    guard d.imageShape == [1, 28, 28] else {
                        throw WorkerError.unsuitable(command: command, problem: "reads images of shape \(d.imageShape ?? []); Sift's samples are [1, 28, 28]")
                    }
                    hashes[command] = try WorkerCatalog.shared.weightsHash(command)
                } catch {
                    throw ConfigError(at(key), "'\(key)': \(error)")
                }
            }
        }
        return hashes
    }
}
