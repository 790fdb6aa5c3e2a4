import Foundation
import SiftData
import SiftModels
import SiftTensor
@testable import SiftSearch

/// Shipped networks and real test images for verifier tests.
enum VerifierTestSupport {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized

    static func classifier(_ name: String) throws -> Classifier {
        try ModelZoo.loadClassifier(models.appendingPathComponent("\(name).safetensors").path)
    }

    static let test: LabeledImages? = try? FashionMNIST.load(split: .test)

    /// Images `indices` of `set` as a tensor `(indices.count, 1, 28, 28)`.
    static func images(_ set: LabeledImages, _ indices: [Int]) -> Tensor {
        let per = 28 * 28
        var pixels = [Float]()
        pixels.reserveCapacity(indices.count * per)
        for i in indices { pixels += set.pixels[(i * per)..<((i + 1) * per)] }
        return Tensor(pixels, shape: [indices.count, 1, 28, 28])
    }

    /// The first test image of each class `(10, 1, 28, 28)`, labels 0…9.
    static func oneImagePerClass() throws -> Tensor {
        let test = try FashionMNIST.load(split: .test)
        return images(test, (0..<10).map { test.labels.firstIndex(of: $0)! })
    }

    /// Standard-normal noise images `(n, 1, 28, 28)`.
    static func noise(_ n: Int, seed: UInt64 = 9) -> Tensor {
        Philox(seed: seed).normalTensor([n, 1, 28, 28])
    }
}

/// A verifier with fixed scores, for testing the combination rules.
final class FixedScoreVerifier: Verifier {
    let name: String
    let scores: [Double]
    var commits = [[Int]]()
    init(_ name: String, _ scores: [Double]) { self.name = name; self.scores = scores }
    var cost: VerifierCost { VerifierCost(forwardPasses: 1, flops: 10) }
    func score(_ batch: CandidateBatch) throws -> [Double] { scores }
    func commit(_ batch: CandidateBatch, chosen: [Int]) throws { commits.append(chosen) }
}
