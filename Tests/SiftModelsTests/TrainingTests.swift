import Foundation
import Testing
@testable import SiftModels
import SiftData
import SiftNN
import SiftTensor

/// A small synthetic data set: class k images are a bright k-dependent stripe plus noise.
func syntheticImages(count: Int, seed: UInt64 = 1) throws -> LabeledImages {
    let rng = Philox(seed: seed)
    var pixels = [Float](repeating: -1, count: count * 784)
    var labels: [Int] = []
    for i in 0..<count {
        let k = i % 10
        labels.append(k)
        for r in 0..<28 { for c in 0..<28 where (c / 3) == k { pixels[i * 784 + r * 28 + c] = 0.8 } }
        for j in 0..<784 { pixels[i * 784 + j] += 0.1 * rng.normal(at: i * 784 + j) }
    }
    return try LabeledImages(height: 28, width: 28, pixels: pixels, labels: labels)
}

func tinySpec(_ model: String, steps: Int, output: URL) -> TrainingSpec {
    var spec = TrainingSpec(model: model, steps: steps)
    spec.batch = 8; spec.warmupSteps = 2; spec.learningRate = 1e-3; spec.output = output.path
    spec.checkpointSeconds = 3600; spec.logEvery = 1
    return spec
}

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sift-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct TrainingTests {
    static let tiny = SiTConfig(name: "tiny", depth: 2, width: 32, heads: 2)

    @Test func fewStepsLowerTheFlowMatchingLoss() throws {
        let data = try syntheticImages(count: 64)
        let model = SiT(Self.tiny, seed: 1)
        var spec = tinySpec("tiny", steps: 40, output: temporaryDirectory())
        spec.batch = 32; spec.learningRate = 2e-3
        let loop = TrainingLoop(spec: spec, model: model, checkpointURL: URL(fileURLWithPath: spec.output).appendingPathComponent("c.safetensors"))
        var losses: [Double] = []
        _ = try loop.run(report: { losses.append($0.loss) }) { SiTTraining.loss(model: model, data: data, spec: spec, step: $0) }
        let first = losses.prefix(5).reduce(0, +) / 5, last = losses.suffix(5).reduce(0, +) / 5
        #expect(last < 0.8 * first, "loss \(first) → \(last)")
    }

    @Test func checkpointResumeGivesIdenticalParameters() throws {
        let data = try syntheticImages(count: 40)
        func train(interruptAfter: Int?) throws -> [[Float]] {
            let dir = temporaryDirectory()
            let spec = tinySpec("tiny", steps: 6, output: dir)
            let url = dir.appendingPathComponent("ckpt.safetensors")
            var model = SiT(Self.tiny, seed: 2)
            if let k = interruptAfter {
                _ = try TrainingLoop(spec: spec, model: model, checkpointURL: url).run(stopAfter: k, report: { _ in }) {
                    SiTTraining.loss(model: model, data: data, spec: spec, step: $0)
                }
                model = SiT(Self.tiny, seed: 99)  // a fresh process: nothing survives but the file
            }
            let loop = TrainingLoop(spec: spec, model: model, checkpointURL: url)
            let summary = try loop.run(report: { _ in }) { SiTTraining.loss(model: model, data: data, spec: spec, step: $0) }
            #expect(summary.steps == 6)
            #expect(summary.resumedFrom == interruptAfter)
            return model.parameters.map(\.data) + loop.ema.shadow
        }
        let straight = try train(interruptAfter: nil)
        let resumed = try train(interruptAfter: 3)
        #expect(straight == resumed)
    }

    @Test func checkpointOfAnotherRunIsRefused() throws {
        let data = try syntheticImages(count: 20)
        let dir = temporaryDirectory(), url = dir.appendingPathComponent("ckpt.safetensors")
        let model = SiT(Self.tiny)
        let spec = tinySpec("tiny", steps: 2, output: dir)
        _ = try TrainingLoop(spec: spec, model: model, checkpointURL: url).run(stopAfter: 1, report: { _ in }) {
            SiTTraining.loss(model: model, data: data, spec: spec, step: $0)
        }
        var other = spec; other.seed = 5
        #expect(throws: CheckpointError.self) {
            _ = try TrainingLoop(spec: other, model: model, checkpointURL: url).run(report: { _ in }) {
                SiTTraining.loss(model: model, data: data, spec: other, step: $0)
            }
        }
    }

    @Test(arguments: ClassifierTraining.names) func classifiersLearnTheSyntheticClasses(name: String) throws {
        let data = try syntheticImages(count: 200)
        let model = try #require(ClassifierTraining.make(name, seed: 0))
        // The transformer needs more steps than the convolutional and dense networks.
        var spec = tinySpec(name, steps: name == "clf-vit" ? 200 : 60, output: temporaryDirectory())
        spec.batch = 32
        let loop = TrainingLoop(spec: spec, model: model, checkpointURL: URL(fileURLWithPath: spec.output).appendingPathComponent("c.safetensors"))
        _ = try loop.run(report: { _ in }) { ClassifierTraining.loss(model: model, data: data, spec: spec, step: $0) }
        #expect(model.accuracy(pixels: data.pixels, labels: data.labels) > 0.9)
        let (features, logits) = withNoGrad { model.forward(Tensor(Array(data.pixels[0..<(3 * 784)]), shape: [3, 1, 28, 28])) }
        #expect(features.shape == [3, model.featureDimension] && logits.shape == [3, 10])
    }
}

@Suite struct SamplerTests {
    static func trainedTiny() -> SiT {
        let model = SiT(TrainingTests.tiny, seed: 4)
        // Non-zero weights so that velocities depend on x, t and the label.
        for (i, (_, t)) in model.namedParameters.enumerated() { t.data = Philox(seed: 5, stream: UInt64(i)).normals(t.count).map { $0 * 0.05 } }
        return model
    }

    @Test(arguments: [1, 2, 5, 10]) func heunCosts2SMinus1AndEulerS(steps: Int) {
        let model = Self.trainedTiny()
        let x = Philox(seed: 1).normalTensor([3, 1, 28, 28])
        for (solver, expected) in [(Solver.heun, 2 * steps - 1), (.euler, steps), (.sde, steps)] {
            let d = Denoiser(model: model)
            _ = Sampler.solve(x, labels: [0, 1, 2], from: 0, to: 1, steps: steps, solver: solver, denoiser: d) { _ in
                Philox(seed: 2).normals(x.count)
            }
            #expect(d.forwardPasses == 3 * expected, "\(solver) \(steps)")
            #expect(solver.calls(steps: steps) == expected)
        }
        // Guidance doubles the passes.
        let guided = Denoiser(model: model, guidance: 2)
        _ = Sampler.solve(x, labels: [0, 1, 2], from: 0, to: 1, steps: steps, solver: .heun, denoiser: guided)
        #expect(guided.forwardPasses == 3 * 2 * (2 * steps - 1))
    }

    @Test func guidanceOneEqualsTheConditionalModel() {
        let model = Self.trainedTiny()
        let x = Philox(seed: 3).normalTensor([2, 1, 28, 28])
        let conditional = withNoGrad { model(x, t: [0.3, 0.7], labels: [4, 9]) }
        #expect(Denoiser(model: model, guidance: 1).velocity(x, t: [0.3, 0.7], labels: [4, 9]).data == conditional.data)
        // w = 0 gives the unconditional model; w = 2 extrapolates linearly.
        let unconditional = withNoGrad { model(x, t: [0.3, 0.7], labels: [10, 10]) }
        let zero = Denoiser(model: model, guidance: 0).velocity(x, t: [0.3, 0.7], labels: [4, 9]).data
        for (a, b) in zip(zero, unconditional.data) { #expect(abs(a - b) < 1e-5) }
        let two = Denoiser(model: model, guidance: 2).velocity(x, t: [0.3, 0.7], labels: [4, 9]).data
        for i in 0..<two.count { #expect(abs(two[i] - (2 * conditional.data[i] - unconditional.data[i])) < 1e-4) }
    }

    @Test func solvingInTwoLegsEqualsOneRun() {
        // Euler on the grid 0 → 0.5 → 1 in 2 + 2 steps equals 4 steps from 0 to 1.
        let model = Self.trainedTiny()
        let x = Philox(seed: 6).normalTensor([2, 1, 28, 28])
        let whole = Sampler.solve(x, labels: [1, 2], from: 0, to: 1, steps: 4, solver: .euler, denoiser: Denoiser(model: model))
        let half = Sampler.solve(x, labels: [1, 2], from: 0, to: 0.5, steps: 2, solver: .euler, denoiser: Denoiser(model: model))
        let rest = Sampler.solve(half, labels: [1, 2], from: 0.5, to: 1, steps: 2, solver: .euler, denoiser: Denoiser(model: model))
        for (a, b) in zip(whole.data, rest.data) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func samplesDoNotDependOnBatchSize() {
        let model = Self.trainedTiny()
        let x = Philox(seed: 7).normalTensor([4, 1, 28, 28])
        let d1 = Denoiser(model: model), d2 = Denoiser(model: model)
        d2.maxBatch = 1
        let a = Sampler.solve(x, labels: [0, 1, 2, 3], from: 0, to: 1, steps: 3, solver: .heun, denoiser: d1)
        let b = Sampler.solve(x, labels: [0, 1, 2, 3], from: 0, to: 1, steps: 3, solver: .heun, denoiser: d2)
        for (u, v) in zip(a.data, b.data) { #expect(abs(u - v) < 1e-5) }
    }

    @Test func dataPredictionAndRenoising() {
        // x̂1 = x_t + (1 − t)·v is exact for the true velocity of the linear path.
        let x1: [Float] = [0.5, -0.25], x0: [Float] = [1, 2]
        let xt = FlowMatching.interpolate(data: x1, noise: x0, t: [0.3], perSample: 2)
        let v = FlowMatching.velocityTarget(data: x1, noise: x0)
        let pred = FlowMatching.dataPrediction(x: xt, velocity: v, t: [0.3], perSample: 2)
        for (a, b) in zip(pred, x1) { #expect(abs(a - b) < 1e-6) }
        // Re-noising to s keeps the marginal variance of s·x1 + (1−s)·x0 for x1 = 0: (1 − s)².
        let n = 200_000
        let start = Philox(seed: 8).normals(n).map { $0 * 0.4 }  // x_t with x1 = 0, t = 0.6
        let back = FlowMatching.renoise(start, from: 0.6, to: 0.3, noise: Philox(seed: 9).normals(n))
        let variance = back.reduce(0.0) { $0 + Double($1 * $1) } / Double(n)
        #expect(abs(variance - 0.49) < 0.01)
    }
}
