import Foundation
import Testing
import SiftMetrics
import SiftTensor
@testable import SiftSearch

@Suite struct SampleMetricsTests {
    @Test func realImagesScoreBetterThanNoise() throws {
        let net = try VerifierTestSupport.classifier("eval-cnn")
        let test = try #require(VerifierTestSupport.test)
        // Reference from test images 0..<600, "generated" sets: held-out images 600..<800 or noise.
        let referenceImages = VerifierTestSupport.images(test, Array(0..<600))
        let ref = EvaluationFeatures.extract(net, images: referenceImages).features
        let reference = try ReferenceSet(features: ref, labels: Array(test.labels[0..<600]), weightsHash: "test")
        let options = SampleMetrics.Options()
        let held = VerifierTestSupport.images(test, Array(600..<800))
        let good = try SampleMetrics.evaluate(images: held, labels: Array(test.labels[600..<800]), network: net, reference: reference, options: options).metrics
        let bad = try SampleMetrics.evaluate(images: VerifierTestSupport.noise(200), labels: Array(test.labels[600..<800]), network: net,
                                             reference: reference, options: options).metrics
        #expect(good.fid < bad.fid && good.kidMean < bad.kidMean)
        #expect(good.precision > bad.precision && good.recall > bad.recall)
        #expect(good.isMean > 3)
        #expect(good.classFIDByClass.count == 10 && good.classFID.isFinite)
        #expect(good.samples == 200)
    }

    @Test func weightsHashIsStable() throws {
        let url = VerifierTestSupport.models.appendingPathComponent("eval-cnn.safetensors")
        let a = try ReferenceSet.fileHash(url), b = try ReferenceSet.fileHash(url)
        #expect(a == b && a.count == 16)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hash-\(UUID().uuidString)")
        try Data("abc".utf8).write(to: tmp)
        #expect(try ReferenceSet.fileHash(tmp) == "e71fa2190541574b")  // FNV-1a 64 of "abc"
    }
}
