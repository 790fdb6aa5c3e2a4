import Foundation
import Testing
@testable import SiftModels
import SiftData
import SiftNN
import SiftTensor

/// The self-supervised encoder: its views, its NT-Xent loss by hand, that training without labels
/// lowers the loss and separates the synthetic classes for a linear probe, and the zoo round trip.
@Suite struct SSLTrainingTests {
    @Test func contrastiveLossMatchesAHandComputation() {
        // 2B = 4 projections of dimension 3.
        let rows: [[Double]] = [[1, 0.5, -0.2], [0.1, 1, 0.3], [0.9, 0.4, 0.1], [-0.3, 1.2, 0.2]]
        let z = Tensor(rows.flatMap { $0.map(Float.init) }, shape: [4, 3])
        let tau = 0.5
        func unit(_ v: [Double]) -> [Double] { let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot(); return v.map { $0 / n } }
        let u = rows.map(unit)
        var expected = 0.0
        for i in 0..<4 {
            let partner = (i + 2) % 4
            let logits = (0..<4).filter { $0 != i }.map { j in (zip(u[i], u[j]).map(*).reduce(0, +) / tau, j) }
            let logSum = Foundation.log(logits.map { Foundation.exp($0.0) }.reduce(0, +))
            expected += logSum - logits.first { $0.1 == partner }!.0
        }
        expected /= 4
        let loss = SSLTraining.contrastiveLoss(z, temperature: Float(tau)).data[0]
        #expect(abs(Double(loss) - expected) < 1e-5, "\(loss) vs \(expected)")
    }

    @Test func contrastiveGradientMatchesFiniteDifferences() {
        let z = Tensor(Philox(seed: 3).normals(6 * 4), shape: [6, 4], requiresGrad: true)
        SSLTraining.contrastiveLoss(z, temperature: 0.2).backward()
        let analytic = z.grad!
        let h: Float = 1e-2
        for j in [0, 5, 11, 17, 23] {
            var plus = z.data, minus = z.data
            plus[j] += h
            minus[j] -= h
            let up = withNoGrad { SSLTraining.contrastiveLoss(Tensor(plus, shape: [6, 4]), temperature: 0.2) }.data[0]
            let down = withNoGrad { SSLTraining.contrastiveLoss(Tensor(minus, shape: [6, 4]), temperature: 0.2) }.data[0]
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - analytic[j]) <= 0.03 * abs(analytic[j]) + 2e-3, "element \(j): \(analytic[j]) vs \(numeric)")
        }
    }

    @Test func viewsAreKeyedBoundedAndDifferent() throws {
        let data = try syntheticImages(count: 20)
        var spec = TrainingSpec(model: "ssl-vit", steps: 1)
        spec.batch = 4
        let a = SSLTraining.views(data: data, spec: spec, step: 3), b = SSLTraining.views(data: data, spec: spec, step: 3)
        #expect(a.shape == [8, 1, 28, 28])
        #expect(a.data.map(\.bitPattern) == b.data.map(\.bitPattern), "a step's views are a function of (seed, step)")
        #expect(a.data.allSatisfy { $0 >= -1 - 1e-5 && $0 <= 1 + 1e-5 }, "views stay in the pixel range (up to the blur's rounding)")
        #expect(a.slice(axis: 0, 0..<4).data != a.slice(axis: 0, 4..<8).data, "the two views of an image differ")
        #expect(SSLTraining.views(data: data, spec: spec, step: 4).data != a.data)
    }

    @Test func theIdentityAugmentationKeepsTheImage() throws {
        let data = try syntheticImages(count: 1)
        var identity = ViewAugmentation()
        identity.cropArea = 1...1
        identity.cropAspect = 1...1
        identity.flipProbability = 0
        identity.contrast = 1...1
        identity.brightness = 0...0
        identity.blurProbability = 0
        let view = identity.view(of: data.pixels[0..<784], side: 28, rng: Philox(seed: 1))
        for (v, p) in zip(view, data.pixels) { #expect(abs(v - min(1, max(-1, p))) < 1e-5) }
        // A blur keeps a constant image and the mean of any image (up to the clamped edges).
        let flat = ViewAugmentation.blurred([Float](repeating: 0.3, count: 784), side: 28, sigma: 1.2)
        #expect(flat.allSatisfy { abs($0 - 0.3) < 1e-6 })
    }

    /// Real images (instance discrimination needs varied images; the synthetic stripes are
    /// mirror images of each other under the flips).
    static func fashion(_ range: Range<Int>) throws -> LabeledImages {
        let test = try FashionMNIST.load(split: .test)
        return try LabeledImages(height: 28, width: 28, pixels: Array(test.pixels[(range.lowerBound * 784)..<(range.upperBound * 784)]),
                                 labels: Array(test.labels[range]))
    }

    @Test func trainingWithoutLabelsLowersTheLoss() throws {
        let data = try Self.fashion(0..<500)
        let encoder = SSLEncoder(width: 32, seed: 0)
        var spec = tinySpec("ssl-vit", steps: 80, output: temporaryDirectory())
        spec.batch = 32
        spec.warmupSteps = 10
        let loop = TrainingLoop(spec: spec, model: encoder, checkpointURL: URL(fileURLWithPath: spec.output).appendingPathComponent("c.safetensors"))
        var losses = [Double]()
        _ = try loop.run(report: { losses.append($0.loss) }) { SSLTraining.loss(model: encoder, data: data, spec: spec, step: $0) }
        let first = losses.prefix(10).reduce(0, +) / 10, last = losses.suffix(10).reduce(0, +) / 10
        #expect(last < 0.9 * first, "NT-Xent \(first) → \(last)")
        #expect(encoder.probe.weight.grad.map { $0.allSatisfy { $0 == 0 } } ?? true, "the loss reads no label and leaves the head alone")
    }

    @Test func theLinearProbeLearnsTheClassesFromFrozenFeatures() throws {
        let encoder = SSLEncoder(width: 32, seed: 1)
        let unfitted = encoder.accuracy(pixels: try Self.fashion(1000..<1400).pixels, labels: try Self.fashion(1000..<1400).labels)
        let before = withNoGrad { encoder.forward(Tensor(Array(try! Self.fashion(0..<4).pixels), shape: [4, 1, 28, 28])).features.data }
        let accuracy = SSLTraining.fitLinearProbe(model: encoder, train: try Self.fashion(0..<1000), test: try Self.fashion(1000..<1400),
                                                  epochs: 20, batch: 100)
        // The features of an untrained encoder are weak (0.38 measured); a probe that did not
        // learn would stay near chance (0.1).
        #expect(accuracy > 0.3, "linear probe accuracy \(accuracy) (chance 0.1)")
        let after = withNoGrad { encoder.forward(Tensor(Array(try! Self.fashion(0..<4).pixels), shape: [4, 1, 28, 28])).features.data }
        #expect(before == after, "the probe leaves the features frozen")
        #expect(accuracy > unfitted + 0.15, "fitted \(accuracy), unfitted head \(unfitted)")
    }

    @Test func theZooLoadsTheEncoderByNameAndItsFeaturesSurvive() throws {
        let encoder = SSLEncoder(seed: 4)
        let dir = temporaryDirectory()
        let url = dir.appendingPathComponent("ssl-vit.safetensors")
        try SafetensorsFile(tensors: encoder.stateDict(), metadata: ["model": "ssl-vit"]).write(to: url)
        let loaded = try ModelZoo.loadClassifier(url.path)
        #expect(loaded.name == "ssl-vit" && ModelZoo.classifierNames.contains("ssl-vit"))
        let x = Philox(seed: 5).normalTensor([2, 1, 28, 28])
        let (a, b) = withNoGrad { (encoder.forward(x).features.data, loaded.forward(x).features.data) }
        #expect(a == b)
        #expect(throws: ZooError.self) { try ModelZoo.loadSiT(url.path) }
    }
}
