import Foundation
import SiftNN
import SiftTensor

/// Everything needed to continue training exactly where it stopped: parameters, AdamW moments,
/// the EMA and the step counter, in one safetensors file (`model.*`, `adam_m.*`, `adam_v.*`,
/// `ema.*` tensors; step and identity in the metadata). The RNG needs no state of its own: every
/// step's randomness is keyed by (seed, step), so resuming at step k draws what an uninterrupted
/// run would have drawn.
public struct TrainingCheckpoint {
    public var step: Int
    /// Identifies the training run (e.g. a hash of its spec); a checkpoint of another run is refused.
    public var runIdentity: String
    public var metadata: [String: String] = [:]

    /// Saves the state atomically to `url`.
    public static func save(to url: URL, step: Int, runIdentity: String, model: Module, optimizer: AdamW, ema: EMA,
                            metadata: [String: String] = [:]) throws {
        var tensors: [String: SafetensorsTensor] = [:]
        for (i, (name, t)) in model.namedParameters.enumerated() {
            tensors["model.\(name)"] = SafetensorsTensor(shape: t.shape, values: t.data)
            tensors["adam_m.\(name)"] = SafetensorsTensor(shape: t.shape, values: optimizer.firstMoments[i])
            tensors["adam_v.\(name)"] = SafetensorsTensor(shape: t.shape, values: optimizer.secondMoments[i])
            tensors["ema.\(name)"] = SafetensorsTensor(shape: t.shape, values: ema.shadow[i])
        }
        var meta = metadata
        meta["step"] = String(step)
        meta["adam_step"] = String(optimizer.stepCount)
        meta["ema_updates"] = String(ema.updates)
        meta["run_identity"] = runIdentity
        try SafetensorsFile(tensors: tensors, metadata: meta).write(to: url)
    }

    /// Restores `model`, `optimizer` and `ema` from `url` and returns the step to continue from.
    /// Throws if the file belongs to another run or does not fit the model.
    public static func restore(from url: URL, runIdentity: String, model: Module, optimizer: AdamW, ema: EMA) throws -> TrainingCheckpoint {
        let file = try SafetensorsFile.read(from: url)
        let source = url.path
        guard let identity = file.metadata["run_identity"], let step = file.metadata["step"].flatMap(Int.init),
              let adamStep = file.metadata["adam_step"].flatMap(Int.init),
              let emaUpdates = file.metadata["ema_updates"].flatMap(Int.init) else {
            throw CheckpointError.incomplete(file: source)
        }
        guard identity == runIdentity else {
            throw CheckpointError.otherRun(file: source, found: identity, expected: runIdentity)
        }
        func part(_ prefix: String) -> [String: SafetensorsTensor] {
            Dictionary(uniqueKeysWithValues: file.tensors.compactMap { key, value in
                key.hasPrefix(prefix + ".") ? (String(key.dropFirst(prefix.count + 1)), value) : nil
            })
        }
        try model.load(part("model"), source: source)
        let names = model.namedParameters.map(\.name)
        func arrays(_ prefix: String) throws -> [[Float]] {
            let p = part(prefix)
            return try names.map { name in
                guard let t = p[name] else { throw WeightsError.missingTensor(file: source, name: "\(prefix).\(name)") }
                return t.values
            }
        }
        try optimizer.restore(step: adamStep, first: arrays("adam_m"), second: arrays("adam_v"))
        try ema.restore(shadow: arrays("ema"), updates: emaUpdates)
        return TrainingCheckpoint(step: step, runIdentity: identity, metadata: file.metadata)
    }
}

/// A checkpoint that cannot be resumed.
public enum CheckpointError: Error, CustomStringConvertible {
    case incomplete(file: String)
    case otherRun(file: String, found: String, expected: String)
    public var description: String {
        switch self {
        case let .incomplete(f): return "\(f): not a Sift training checkpoint (step/optimizer metadata missing)"
        case let .otherRun(f, found, expected):
            return "\(f): checkpoint of another training run (\(found)); this spec is \(expected). Delete it or change the output folder."
        }
    }
}
