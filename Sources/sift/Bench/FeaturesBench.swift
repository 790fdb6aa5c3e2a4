import ArgumentParser
import Foundation
import SiftData
import SiftSearch
import SiftTensor

/// `sift bench features`: seconds for the eval-cnn features and logits of the Fashion-MNIST test
/// images (the reference set every FID, KID and precision/recall is measured against), as a
/// verifier or the cell evaluator computes them (``EvaluationFeatures``), round by round.
struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features",
                                                    abstract: "Time eval-cnn's features of the test images.")
    @OptionGroup var options: BenchOptions
    @Option(help: "Timed rounds (after an untimed warm-up pass over 64 images).") var rounds = 3
    @Option(help: "Test images per round (at most 10,000).") var images = 10_000

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be positive, got \(rounds)") }
        guard (1...10_000).contains(images) else { throw ValidationError("--images must be in 1...10000, got \(images)") }
    }

    func run() throws {
        options.apply()
        let network = try VerifierFactory().network("eval-cnn")
        let test = try FashionMNIST.load(split: .test)
        let batch = Tensor(Array(test.pixels.prefix(images * 784)), shape: [images, 1, 28, 28])
        _ = EvaluationFeatures.extract(network, images: batch.slice(axis: 0, 0..<Swift.min(images, 64)))
        var seconds: [Double] = []
        for round in 1...rounds {
            let start = Timing.now()
            _ = EvaluationFeatures.extract(network, images: batch)
            seconds.append(Timing.now() - start)
            print(String(format: "round %d: %.2f s", round, seconds.last!))
        }
        let median = seconds.sorted()[seconds.count / 2]
        let gflops = Double(images) * Double(network.forwardFLOPs) / median / 1e9
        print(String(format: "eval-cnn features of %d test images, %d threads: median %.2f s (%.0f images/s, %.1f GFLOP/s)",
                     images, Threads.count, median, Double(images) / median, gflops))
    }
}
