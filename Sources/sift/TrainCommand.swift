import ArgumentParser
import Foundation
import SiftData
import SiftModels
import SiftTensor
import Yams

/// `sift train Experiments/train/<name>.yaml`: trains a zoo model, checkpointing as it goes; the
/// same command resumes after an interruption and finally writes `<output>/<model>.safetensors`
/// (EMA weights) and its model card `<output>/<model>.json`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a zoo model from a YAML spec (resumable).")
    @Argument(help: "Training spec, e.g. Experiments/train/sit-s.yaml.") var spec: String
    @Option(help: "Stop after this many steps of this call (the checkpoint allows resuming).") var stopAfter: Int?

    func run() throws {
        let spec = try SpecFile.decodeTraining(path: self.spec)
        let outDir = URL(fileURLWithPath: spec.output)
        let checkpoint = outDir.appendingPathComponent("checkpoints/\(spec.model).ckpt.safetensors")
        let data = try FashionMNIST.load(split: .train, directory: spec.data)
        let trainer = try ZooTrainer(spec: spec, data: data)
        let loop = TrainingLoop(spec: spec, model: trainer.module, checkpointURL: checkpoint)
        let log = ProgressLog()
        log.line("training \(spec.model) (\(trainer.module.parameterCount) parameters) for \(spec.steps) steps at batch \(spec.batch), \(Threads.count) threads; checkpoint \(checkpoint.path)")
        let summary = try loop.run(stopAfter: stopAfter, report: { p in
            if let r = p.resumedFrom, p.step - spec.logEvery <= r { log.line("resumed from step \(r)") }
            log.line(String(format: "step %6d/%d  loss %.4f  lr %.2e  %.3f s/step  %.0f samples/s  elapsed %@  eta %@",
                            p.step, p.steps, p.loss, p.learningRate, p.secondsPerStep, p.samplesPerSecond,
                            ProgressLog.duration(p.elapsed), ProgressLog.duration(p.eta)))
        }, loss: trainer.loss)
        guard summary.steps >= spec.steps else {
            log.line("stopped at step \(summary.steps) of \(spec.steps); run the same command to resume")
            return
        }
        let card = try trainer.finish(loop: loop, summary: summary, specPath: self.spec, outputDirectory: outDir)
        log.line("wrote \(card.weightsPath) and its model card\(card.testAccuracy.map { String(format: " (test accuracy %.2f%%)", $0 * 100) } ?? "")")
    }
}

/// Progress lines with timestamps, flushed at once (readable in `nohup` logs).
final class ProgressLog {
    let start = Date()
    func line(_ s: String) {
        print("[\(ProgressLog.duration(Date().timeIntervalSince(start)))] \(s)")
        fflush(nil)
    }
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
