/// A training run as declared in `Experiments/train/<name>.yaml` (decoded by the CLI with Yams).
public struct TrainingSpec: Codable, Hashable, Sendable {
    /// Zoo name of the architecture to train (`sit-s`, `sit-b`, `sit-l`, `eval-cnn`, `clf-mlp`, `clf-vit`).
    public var model: String
    /// Optimiser steps.
    public var steps: Int
    public var batch: Int = 64
    public var learningRate: Float = 3e-4
    /// Linear warm-up of the learning rate over this many steps.
    public var warmupSteps: Int = 500
    /// `constant` after warm-up, or `cosine` decay to zero at the last step.
    public var schedule: String = "constant"
    public var weightDecay: Float = 0
    /// Upper bound of the EMA decay (warm-up schedule min(d, (1+n)/(10+n))).
    public var emaDecay: Float = 0.999
    /// Probability of replacing a label by the null class (SiT only).
    public var labelDropout: Float = 0.1
    public var seed: UInt64 = 0
    /// Seconds between checkpoints.
    public var checkpointSeconds: Double = 120
    /// Steps between progress lines.
    public var logEvery: Int = 50
    /// Folder of the finished weights (`<model>.safetensors`, `<model>.json`) and the checkpoint.
    public var output: String = "Models"
    /// Folder of the Fashion-MNIST IDX files.
    public var data: String = "/usr/share/datasets/fashion-mnist"

    public init(model: String, steps: Int) { self.model = model; self.steps = steps }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, steps, batch, schedule, seed, output, data
        case learningRate = "learning_rate", warmupSteps = "warmup_steps", weightDecay = "weight_decay"
        case emaDecay = "ema_decay", labelDropout = "label_dropout", checkpointSeconds = "checkpoint_seconds"
        case logEvery = "log_every"
    }

    /// Every key a spec file may use.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        steps = try c.decode(Int.self, forKey: .steps)
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? batch
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? learningRate
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? warmupSteps
        schedule = try c.decodeIfPresent(String.self, forKey: .schedule) ?? schedule
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? weightDecay
        emaDecay = try c.decodeIfPresent(Float.self, forKey: .emaDecay) ?? emaDecay
        labelDropout = try c.decodeIfPresent(Float.self, forKey: .labelDropout) ?? labelDropout
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        checkpointSeconds = try c.decodeIfPresent(Double.self, forKey: .checkpointSeconds) ?? checkpointSeconds
        logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? logEvery
        output = try c.decodeIfPresent(String.self, forKey: .output) ?? output
        data = try c.decodeIfPresent(String.self, forKey: .data) ?? data
    }

    /// Problems with the values, if any (names the key).
    public func validationError() -> String? {
        if steps < 1 { return "steps must be ≥ 1 (got \(steps))" }
        if batch < 1 { return "batch must be ≥ 1 (got \(batch))" }
        if !(learningRate > 0) { return "learning_rate must be > 0 (got \(learningRate))" }
        if warmupSteps < 0 { return "warmup_steps must be ≥ 0" }
        if !["constant", "cosine"].contains(schedule) { return "schedule must be 'constant' or 'cosine' (got '\(schedule)')" }
        if !(0..<1).contains(emaDecay) { return "ema_decay must be in [0, 1) (got \(emaDecay))" }
        if !(0...1).contains(labelDropout) { return "label_dropout must be in [0, 1] (got \(labelDropout))" }
        if checkpointSeconds <= 0 { return "checkpoint_seconds must be > 0" }
        if logEvery < 1 { return "log_every must be ≥ 1" }
        return nil
    }

    /// Learning rate at `step` (0-based): linear warm-up, then constant or cosine decay.
    public func learningRate(at step: Int) -> Float {
        let warm = warmupSteps > 0 ? min(1, Float(step + 1) / Float(warmupSteps)) : 1
        guard schedule == "cosine", steps > warmupSteps else { return learningRate * warm }
        let progress = Float(max(0, step - warmupSteps)) / Float(steps - warmupSteps)
        return learningRate * warm * 0.5 * (1 + Float(cos(Double.pi * Double(progress))))
    }

    /// A stable identity of the run for checkpoints (everything that changes the result).
    public var identity: String {
        "\(model)|steps=\(steps)|batch=\(batch)|lr=\(learningRate)|warmup=\(warmupSteps)|\(schedule)|wd=\(weightDecay)"
            + "|ema=\(emaDecay)|drop=\(labelDropout)|seed=\(seed)"
    }
}

import Foundation
