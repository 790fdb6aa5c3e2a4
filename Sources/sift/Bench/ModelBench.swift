import ArgumentParser
import Foundation
import SiftModels
import SiftNN
import SiftTensor

/// `sift bench model`: NFE/s and GFLOP/s of each SiT size at several batch sizes (the fused
/// inference pass the samplers use), and training throughput at batch 64 (forward + backward + AdamW + EMA).
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model", abstract: "SiT inference NFE/s and training samples/s.")
    @OptionGroup var options: BenchOptions
    @Option(help: "Comma-separated batch sizes for inference.") var batches: String = "1,16,64,256"
    @Option(help: "Comma-separated model names.") var models: String = "sit-s,sit-b,sit-l"
    @Flag(help: "Only the training measurement.") var trainOnly = false
    @Flag(help: "Only the inference measurements.") var inferenceOnly = false
    @Flag(help: "Print where the time goes: per stage of the inference pass, and the split of a training step (forward, backward, optimiser).") var breakdown = false

    func run() throws {
        options.apply()
        let configs = try models.split(separator: ",").map { name in
            guard let c = SiTConfig.zoo.first(where: { $0.name == name }) else {
                throw ValidationError("unknown model '\(name)'; known: \(SiTConfig.zoo.map(\.name).joined(separator: ", "))")
            }
            return c
        }
        let batchSizes = batches.split(separator: ",").compactMap { Int($0) }
        print("SiT models, \(Threads.count) thread(s); NFE/s = samples × forward passes per second")
        var table = TextTable(["model", "MFLOP/fwd", "batch", "NFE/s", "GFLOP/s", "train s/step (b64)", "train samples/s"])
        for config in configs {
            let model = SiT(config, seed: 1)
            Self.randomise(model)
            if !trainOnly {
                for b in batchSizes {
                    let (nfe, fused, input) = Self.inference(model, batch: b, seconds: options.seconds)
                    table.add([config.name, fmt(Double(config.forwardFLOPs) / 1e6), "\(b)", fmt(nfe), fmt(nfe * Double(config.forwardFLOPs) / 1e9), "", ""])
                    if breakdown { printStages(of: fused, config: config, batch: b, x: input.x, t: input.t, y: input.y) }
                }
            }
            if inferenceOnly { continue }
            let step = trainingStep(model)
            table.add([config.name, fmt(Double(config.forwardFLOPs) / 1e6), "64", "", "", fmt(step, 3), fmt(64 / step)])
        }
        print(table.render())
    }

    /// NFE/s of the fused inference pass of `model` at `batch` (median over ≥ `seconds`), with
    /// the pass and its random input.
    static func inference(_ model: SiT, batch b: Int, seconds: Double) -> (nfe: Double, pass: SiTInference, input: (x: Tensor, t: [Float], y: [Int])) {
        let x = Philox(seed: 2).normalTensor([b, 1, 28, 28])
        let t = Philox(seed: 3).uniforms(b), y = (0..<b).map { $0 % 11 }
        let fused = SiTInference(model: model)
        let s = Timing.median(seconds: seconds) { _ = fused(x, t: t, labels: y) }
        return (Double(b) / s, fused, (x, t, y))
    }

    /// Where a fused forward pass spends its time, per stage (summed over the blocks).
    func printStages(of fused: SiTInference, config: SiTConfig, batch: Int, x: Tensor, t: [Float], y: [Int]) {
        let profile = StageProfile()
        fused.profile = profile
        _ = Timing.median(seconds: options.seconds) { _ = fused(x, t: t, labels: y) }
        fused.profile = nil
        let line = profile.rows.map { "\($0.stage) \(fmt($0.share * 100, 1)) %" }.joined(separator: ", ")
        let total = profile.rows.reduce(0) { $0 + $1.millisecondsPerCall }
        print("\(config.name) b\(batch) inference, \(fmt(total, 3)) ms per call: \(line)")
    }

    /// Gives every parameter non-zero values so no work is skipped or trivially zero.
    static func randomise(_ model: SiT) {
        for (i, (_, t)) in model.namedParameters.enumerated() {
            t.data = Philox(seed: 9, stream: UInt64(i)).normals(t.count).map { $0 * 0.02 }
        }
    }

    /// Median seconds of one flow-matching training step at batch 64 on random data.
    func trainingStep(_ model: SiT) -> Double {
        model.setRequiresGrad(true)
        let opt = AdamW(parameters: model.parameters, learningRate: 1e-4, weightDecay: 0)
        let ema = EMA(parameters: model.parameters)
        let x = Philox(seed: 4).normalTensor([64, 1, 28, 28]), target = Philox(seed: 5).normalTensor([64, 1, 28, 28])
        let t = Philox(seed: 6).uniforms(64), y = (0..<64).map { $0 % 11 }
        var parts = [Double](repeating: 0, count: 3), runs = 0
        let s = Timing.median(seconds: max(options.seconds, 2)) {
            let t0 = Timing.now()
            opt.zeroGrad()
            let loss = Tensor.mse(model(x, t: t, labels: y), target)
            let t1 = Timing.now()
            loss.backward()
            let t2 = Timing.now()
            opt.step(); ema.update(model.parameters)
            let t3 = Timing.now()
            parts[0] += t1 - t0; parts[1] += t2 - t1; parts[2] += t3 - t2; runs += 1
        }
        if breakdown {
            print("\(model.config.name) training step: forward \(fmt(parts[0] / Double(runs) * 1e3)) ms, backward \(fmt(parts[1] / Double(runs) * 1e3)) ms, optimiser+EMA \(fmt(parts[2] / Double(runs) * 1e3)) ms")
        }
        return s
    }
}
