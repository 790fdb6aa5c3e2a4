import Foundation
import Testing
@testable import SiftModels
import SiftNN
import SiftTensor

let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../Fixtures/sit").standardized

func json(_ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureDirectory.appendingPathComponent(name))) as! [String: Any]
}

@Suite struct SiTArchitecture {
    static let tiny: SiTConfig = {
        var c = SiTConfig(name: "tiny", depth: 2, width: 32, heads: 2)
        c.patch = 4
        return c
    }()

    @Test func untrainedModelOutputsExactlyZero() {
        let model = SiT(.small, seed: 3)
        let x = Philox(seed: 1).normalTensor([2, 1, 28, 28])
        let v = withNoGrad { model(x, t: [0.3, 0.8], labels: [1, 10]) }
        #expect(v.shape == [2, 1, 28, 28])
        #expect(v.data.allSatisfy { $0 == 0 })
    }

    @Test(arguments: SiTConfig.zoo) func parameterCountMatchesFormula(config: SiTConfig) {
        let model = SiT(config)
        #expect(model.parameterCount == config.parameterCount)
    }

    @Test func parameterCountsOfTheZoo() {
        // 18D² + 15D per block (with MLP ratio 4) plus embeddings and the final layer.
        func formula(_ d: Int, _ depth: Int) -> Int {
            depth * (18 * d * d + 15 * d) + (16 * d + d) + (256 * d + d + d * d + d) + 11 * d + (2 * d * d + 2 * d + 16 * d + 16)
        }
        #expect(SiTConfig.small.parameterCount == formula(96, 4))
        #expect(SiTConfig.base.parameterCount == formula(128, 6))
        #expect(SiTConfig.large.parameterCount == formula(160, 8))
        #expect(abs(Double(SiTConfig.small.parameterCount) / 1e6 - 0.73) < 0.01)
        #expect(abs(Double(SiTConfig.base.parameterCount) / 1e6 - 1.87) < 0.02)
        #expect(abs(Double(SiTConfig.large.parameterCount) / 1e6 - 3.83) < 0.03)
    }

    @Test func forwardFLOPsOfTheZoo() {
        // Per block T(12D² + 2TD) + 6D² MACs, T = 49; DESIGN.md quotes ≈ 46 / 124 / 250 MFLOP.
        let s = SiTConfig.small
        let block = 49 * (12 * 96 * 96 + 2 * 49 * 96) + 6 * 96 * 96
        #expect(s.forwardMACs == 4 * block + 49 * 16 * 96 + 256 * 96 + 96 * 96 + 2 * 96 * 96 + 49 * 96 * 16)
        for (config, approx) in [(SiTConfig.small, 46.0), (.base, 124.0), (.large, 250.0)] {
            #expect(abs(Double(config.forwardFLOPs) / 1e6 - approx) / approx < 0.06, "\(config.name): \(config.forwardFLOPs)")
        }
    }

    @Test func sinCosPositionsMatchHandValues() {
        let table = SinCos.positions(dim: 8, grid: 2)
        let token1 = Array(table[8..<16]), token2 = Array(table[16..<24])
        for (a, b) in zip(token1, [0.841471, 0.01, 0.540302, 0.99995, 0, 0, 1, 1] as [Float]) { #expect(abs(a - b) < 1e-5) }
        for (a, b) in zip(token2, [0, 0, 1, 1, 0.841471, 0.01, 0.540302, 0.99995] as [Float]) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func timestepEmbeddingMatchesHandValues() {
        let e = SinCos.timesteps([0.5], dim: 8)
        let expected: [Float] = [0.877583, 0.99875, 0.999987, 1, 0.479426, 0.049979, 0.005, 0.0005]
        for (a, b) in zip(e, expected) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func matchesTheNumPyReference() throws {
        let inputs = try json("inputs.json"), expected = try json("expected.json")
        let model = SiT(Self.tiny)
        let file = try SafetensorsFile.read(from: fixtureDirectory.appendingPathComponent("tiny.safetensors"))
        try model.load(file.tensors, source: "tiny.safetensors")
        let x = Tensor((inputs["x"] as! [NSNumber]).map(\.floatValue), shape: [3, 1, 28, 28])
        let t = (inputs["t"] as! [NSNumber]).map(\.floatValue), y = (inputs["y"] as! [NSNumber]).map(\.intValue)
        let out = withNoGrad { model(x, t: t, labels: y) }
        let reference = (expected["output"] as! [NSNumber]).map(\.floatValue)
        #expect(out.shape == (expected["shape"] as! [NSNumber]).map(\.intValue))
        let worst = zip(out.data, reference).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-4, "max deviation \(worst)")
    }

    @Test func loadingRejectsWrongShapesAndNames() throws {
        let model = SiT(Self.tiny)
        var tensors = model.stateDict()
        tensors["blocks.0.attn.qkv.weight"] = SafetensorsTensor(shape: [3, 3], values: [Float](repeating: 0, count: 9))
        #expect(throws: WeightsError.shapeMismatch(file: "w.safetensors", name: "blocks.0.attn.qkv.weight", expected: [96, 32], found: [3, 3])) {
            try model.load(tensors, source: "w.safetensors")
        }
        tensors = model.stateDict(); tensors["extra"] = SafetensorsTensor(shape: [1], values: [0])
        #expect(throws: WeightsError.self) { try model.load(tensors, source: "w.safetensors") }
        tensors = model.stateDict(); tensors.removeValue(forKey: "final_layer.linear.bias")
        #expect(throws: WeightsError.missingTensor(file: "w.safetensors", name: "final_layer.linear.bias")) {
            try model.load(tensors, source: "w.safetensors")
        }
    }
}

@Suite struct FusedInference {
    @Test(arguments: [SiTArchitecture.tiny, SiTConfig.small, SiTConfig.large])
    func matchesTheAutogradForward(config: SiTConfig) {
        let model = SiT(config, seed: 1)
        for (i, (_, t)) in model.namedParameters.enumerated() { t.data = Philox(seed: 11, stream: UInt64(i)).normals(t.count).map { $0 * 0.05 } }
        let x = Philox(seed: 2).normalTensor([5, 1, 28, 28])
        let t: [Float] = [0, 0.2, 0.5, 0.9, 1], y = [0, 3, 9, 10, 5]
        let reference = withNoGrad { model(x, t: t, labels: y) }
        let fused = SiTInference(model: model)
        let out = fused(x, t: t, labels: y)
        let scale = reference.data.map(abs).max() ?? 1
        let worst = zip(out.data, reference.data).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= 1e-5 * max(1, scale), "max deviation \(worst) (scale \(scale))")
        // Reusing the workspace with a smaller batch gives the same numbers (up to the rounding
        // of a differently blocked matrix product).
        let again = fused(x.slice(axis: 0, 0..<2), t: Array(t[0..<2]), labels: Array(y[0..<2]))
        let drift = zip(out.data[0..<(2 * 784)], again.data).map { abs($0 - $1) }.max() ?? 1
        #expect(drift <= 1e-5 * max(1, scale), "batch-size drift \(drift)")
    }

    /// A batch split into chunks (here of 1, 2 and 3 samples, the last one short) gives the bits
    /// of the whole batch at once, samples in their places.
    @Test func chunksGiveTheWholeBatchsBits() {
        let model = SiT(SiTArchitecture.tiny, seed: 3)
        let x = Philox(seed: 4).normalTensor([7, 1, 28, 28])
        let t: [Float] = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1], y = [0, 1, 2, 3, 4, 5, 10]
        let fused = SiTInference(model: model)
        fused.chunkSamples = 7
        let whole = fused(x, t: t, labels: y).data
        for chunk in [1, 2, 3] {
            let split = SiTInference(model: model)
            split.chunkSamples = chunk
            #expect(split(x, t: t, labels: y).data.map(\.bitPattern) == whole.map(\.bitPattern), "chunks of \(chunk)")
        }
        #expect(SiTInference.defaultChunkSamples(for: .large) >= 1 && SiTInference(model: model).chunkSamples >= 1)
    }
}

@Suite struct ShippedWeights {
    static let weights = fixtureDirectory.appendingPathComponent("../../Models/sit-s.safetensors").standardized

    @Test(.enabled(if: FileManager.default.fileExists(atPath: weights.path)))
    func shippedSiTSmallMatchesTheNumPyReference() throws {
        let inputs = try json("inputs.json"), expected = try json("expected-sit-s.json")
        let model = try ModelZoo.loadSiT(Self.weights.path)
        #expect(model.config == SiTConfig.small)
        let x = Tensor((inputs["x"] as! [NSNumber]).map(\.floatValue), shape: [3, 1, 28, 28])
        let t = (inputs["t"] as! [NSNumber]).map(\.floatValue), y = (inputs["y"] as! [NSNumber]).map(\.intValue)
        let reference = (expected["output"] as! [NSNumber]).map(\.floatValue)
        for out in [withNoGrad { model(x, t: t, labels: y) }, SiTInference(model: model)(x, t: t, labels: y)] {
            let worst = zip(out.data, reference).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 1e-4, "max deviation \(worst)")
        }
    }
}
