import Foundation
import SiftNN
import SiftTensor

/// One progress report of a training run.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var steps: Int
    /// Mean loss over the steps since the last report.
    public var loss: Double
    public var samplesPerSecond: Double
    public var secondsPerStep: Double
    public var elapsed: Double
    public var eta: Double
    public var learningRate: Float
    public var resumedFrom: Int?
}

/// What a finished run reports for the model card.
public struct TrainingSummary: Sendable {
    public var steps: Int
    public var finalLoss: Double
    public var wallSeconds: Double
    public var secondsPerStep: Double
    public var resumedFrom: Int?
}

/// The optimisation loop shared by every model: AdamW with the spec's schedule, an EMA with
/// warm-up, progress reports, and a checkpoint every few minutes (and at the end) from which the
/// same call resumes after an interruption, bit for bit.
public final class TrainingLoop {
    public let spec: TrainingSpec
    public let model: Module
    public let optimizer: AdamW
    public let ema: EMA
    let checkpointURL: URL

    public init(spec: TrainingSpec, model: Module, checkpointURL: URL) {
        self.spec = spec
        self.model = model
        model.setRequiresGrad(true)
        optimizer = AdamW(parameters: model.parameters, learningRate: spec.learningRate, weightDecay: spec.weightDecay)
        ema = EMA(parameters: model.parameters, maxDecay: spec.emaDecay)
        self.checkpointURL = checkpointURL
    }

    /// Runs from the checkpoint (if one of this run exists) to `spec.steps`. `loss(step)` builds
    /// the scalar loss of one batch with a recorded graph; it must draw its randomness from
    /// (seed, step) only. `stopAfter` ends early (for tests) after that many steps of this call.
    public func run(stopAfter: Int? = nil, report: (TrainingProgress) -> Void,
                    loss: (Int) throws -> Tensor) throws -> TrainingSummary {
        var start = 0, resumed: Int?
        var priorWall = 0.0, priorStepTime = 0.0, lastLoss = Double.nan
        if FileManager.default.fileExists(atPath: checkpointURL.path) {
            let checkpoint = try TrainingCheckpoint.restore(from: checkpointURL, runIdentity: spec.identity,
                                                            model: model, optimizer: optimizer, ema: ema)
            start = checkpoint.step
            resumed = start
            // Totals of the earlier calls, so the model card covers the whole run.
            priorWall = checkpoint.metadata["wall_seconds"].flatMap(Double.init) ?? 0
            priorStepTime = checkpoint.metadata["step_seconds"].flatMap(Double.init) ?? 0
            lastLoss = checkpoint.metadata["last_loss"].flatMap(Double.init) ?? .nan
        }
        let began = Date()
        var lastSave = Date(), windowLoss = 0.0, windowSteps = 0, windowStart = Date()
        var stepsThisCall = 0, totalStepTime = 0.0
        var step = start
        while step < spec.steps {
            if let stopAfter, stepsThisCall >= stopAfter { break }
            let t0 = Date()
            optimizer.zeroGrad()
            let l = try loss(step)
            let value = Double(l.item)
            guard value.isFinite else { throw TrainingError.diverged(step: step, loss: value) }
            l.backward()
            optimizer.learningRate = spec.learningRate(at: step)
            optimizer.step()
            ema.update(model.parameters)
            step += 1; stepsThisCall += 1
            totalStepTime += Date().timeIntervalSince(t0)
            windowLoss += value; windowSteps += 1; lastLoss = value
            if step % spec.logEvery == 0 || step == spec.steps {
                let seconds = Date().timeIntervalSince(windowStart)
                let perStep = seconds / Double(windowSteps)
                report(TrainingProgress(step: step, steps: spec.steps, loss: windowLoss / Double(windowSteps),
                                        samplesPerSecond: Double(spec.batch) / perStep, secondsPerStep: perStep,
                                        elapsed: Date().timeIntervalSince(began), eta: perStep * Double(spec.steps - step),
                                        learningRate: optimizer.learningRate, resumedFrom: resumed))
                lastLoss = windowLoss / Double(windowSteps)
                windowLoss = 0; windowSteps = 0; windowStart = Date()
            }
            if Date().timeIntervalSince(lastSave) >= spec.checkpointSeconds || step == spec.steps {
                try saveCheckpoint(step: step, wall: priorWall + Date().timeIntervalSince(began),
                                   stepTime: priorStepTime + totalStepTime, lastLoss: lastLoss)
                lastSave = Date()
            }
        }
        if stepsThisCall > 0 && step < spec.steps {
            try saveCheckpoint(step: step, wall: priorWall + Date().timeIntervalSince(began),
                               stepTime: priorStepTime + totalStepTime, lastLoss: lastLoss)
        }
        // priorStepTime covers the steps of earlier calls, so the mean is over all `step` steps.
        return TrainingSummary(steps: step, finalLoss: lastLoss, wallSeconds: priorWall + Date().timeIntervalSince(began),
                               secondsPerStep: step > 0 ? (priorStepTime + totalStepTime) / Double(step) : 0,
                               resumedFrom: resumed)
    }

    func saveCheckpoint(step: Int, wall: Double, stepTime: Double, lastLoss: Double) throws {
        try FileManager.default.createDirectory(at: checkpointURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        var metadata = ["wall_seconds": String(wall), "step_seconds": String(stepTime)]
        if lastLoss.isFinite { metadata["last_loss"] = String(lastLoss) }
        try TrainingCheckpoint.save(to: checkpointURL, step: step, runIdentity: spec.identity, model: model, optimizer: optimizer,
                                    ema: ema, metadata: metadata)
    }
}

/// A training run that cannot continue.
public enum TrainingError: Error, CustomStringConvertible {
    case diverged(step: Int, loss: Double)
    public var description: String {
        switch self {
        case let .diverged(step, loss): return "training diverged at step \(step): loss \(loss)"
        }
    }
}
