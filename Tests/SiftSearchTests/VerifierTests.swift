import Foundation
import Testing
import SiftMetrics
import SiftModels
import SiftTensor
@testable import SiftSearch

@Suite(.serialized) struct VerifierTests {
    @Test func classifierVerifiersScoreRealImagesAboveNoise() throws {
        let real = try VerifierTestSupport.oneImagePerClass()
        let noise = VerifierTestSupport.noise(10)
        let labels = Array(0..<10)
        let verifiers: [Verifier] = [
            InceptionOracleVerifier(evaluationNetwork: try VerifierTestSupport.classifier("eval-cnn")),
            ClassLogitVerifier(name: "clf-mlp", classifier: try VerifierTestSupport.classifier("clf-mlp")),
            ClassLogitVerifier(name: "clf-vit", classifier: try VerifierTestSupport.classifier("clf-vit")),
        ]
        for verifier in verifiers {
            let onReal = try verifier.score(CandidateBatch(images: real, labels: labels))
            let onNoise = try verifier.score(CandidateBatch(images: noise, labels: labels))
            for c in 0..<10 { #expect(onReal[c] > onNoise[c], "\(verifier.name) class \(c): \(onReal[c]) vs noise \(onNoise[c])") }
            #expect(verifier.cost.forwardPasses == 20)
        }
        // The IS oracle is a probability.
        let p = try verifiers[0].score(CandidateBatch(images: real, labels: labels))
        #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test(arguments: ["eval-cnn", "clf-mlp", "clf-vit"])
    func classifierOutputsDoNotDependOnBatchSize(name: String) throws {
        // Convolutions put the batch on the columns of their product, linear layers on the rows.
        let net = try VerifierTestSupport.classifier(name)
        let x = VerifierTestSupport.noise(9, seed: 21)
        let all = withNoGrad { net.forward(x) }
        for b in [1, 2, 5] {
            let part = withNoGrad { net.forward(x.slice(axis: 0, 0..<b)) }
            #expect(part.logits.data == Array(all.logits.data.prefix(part.logits.count)), "\(name), batch \(b)")
            #expect(part.features.data == Array(all.features.data.prefix(part.features.count)), "\(name), batch \(b)")
        }
    }

    @Test func classifierCostCountsFLOPs() throws {
        let net = try VerifierTestSupport.classifier("clf-mlp")
        let v = ClassLogitVerifier(name: "clf-mlp", classifier: net)
        _ = try v.score(CandidateBatch(images: VerifierTestSupport.noise(7), labels: [Int](repeating: 3, count: 7)))
        #expect(v.cost == VerifierCost(forwardPasses: 7, flops: 7 * Double(net.forwardFLOPs)))
    }

    @Test func selfSimilarityOfASampleWithItselfIsOne() throws {
        let v = SelfSimilarityVerifier(network: try VerifierTestSupport.classifier("clf-vit"))
        let images = try VerifierTestSupport.oneImagePerClass()
        let same = try v.score(CandidateBatch(images: images, labels: Array(0..<10), earlyPrediction: images))
        for s in same { #expect(abs(s - 1) < 1e-6) }
        let other = try v.score(CandidateBatch(images: images, labels: Array(0..<10), earlyPrediction: VerifierTestSupport.noise(10)))
        #expect(other.allSatisfy { $0 < 0.999 })
        #expect(v.cost.forwardPasses == 40)  // two images per candidate
        #expect(throws: VerifierError.missingEarlyPrediction(verifier: "self-similarity")) {
            try v.score(CandidateBatch(images: images, labels: Array(0..<10)))
        }
    }

    @Test func selfSimilarityStepIsNearestToSigmaPointFour() {
        #expect(EarlyPrediction.step(steps: 50, solver: .heun) == 30)   // t = 0.6 exactly
        #expect(EarlyPrediction.step(steps: 8, solver: .heun) == 5)     // t = 0.625 (0.5 is farther)
        #expect(Sampler.nearestStep(to: 0.6, steps: 4, solver: .heun, from: 0.5) == 1)  // 0.5, 0.625, …
        // SDE, 3 steps: starts 0, 0.48, then the last step at 0.96 — 0.48 is nearest to 0.6.
        #expect(EarlyPrediction.step(steps: 3, solver: .sde) == 1)
    }

    @Test func meanRankPicksTheBestAverageRank() throws {
        // Ranks: a = [1, 2, 3, 4], b = [4, 1, 3, 2], c = [3, 1, 4, 2] → means [2.67, 1.33, 3.33, 2.67].
        let a = FixedScoreVerifier("a", [9, 5, 1, 0])
        let b = FixedScoreVerifier("b", [0, 7, 2, 3])
        let c = FixedScoreVerifier("c", [2, 8, 1, 5])
        let ensemble = try EnsembleVerifier(members: [a, b, c], rule: .meanRank)
        let batch = CandidateBatch(images: VerifierTestSupport.noise(4), labels: [0, 0, 0, 0])
        let scores = try ensemble.score(batch)
        #expect(Selection.best(scores, pools: batch.pools) == [1])
        #expect(abs(scores[1] - (-4.0 / 3)) < 1e-12)
        // Ties: candidates 0 and 3 share mean rank 8/3; the earlier candidate wins a tie.
        #expect(scores[0] == scores[3])
        #expect(Selection.best([1, 3, 3, 0], pools: [0..<4]) == [1])
        #expect(ensemble.name == "mean-rank(a,b,c)")
        #expect(ensemble.cost == VerifierCost(forwardPasses: 3, flops: 30))
        try ensemble.commit(batch, chosen: [1])
        #expect(a.commits == [[1]] && c.commits == [[1]])
    }

    @Test func ranksArePerPool() throws {
        let a = FixedScoreVerifier("a", [1, 2, 30, 10])
        let ensemble = try EnsembleVerifier(members: [a], rule: .meanRank)
        let scores = try ensemble.score(CandidateBatch(images: VerifierTestSupport.noise(4), labels: [0, 0, 1, 1], pools: [0..<2, 2..<4]))
        #expect(scores == [-2, -1, -1, -2])
    }

    @Test func zscoreWeighsMembers() throws {
        // a prefers 0, b prefers 1 by the same z-score; the weights decide.
        let a = FixedScoreVerifier("a", [1, 0])
        let b = FixedScoreVerifier("b", [0, 5])
        let batch = CandidateBatch(images: VerifierTestSupport.noise(2), labels: [0, 0])
        let even = try EnsembleVerifier(members: [a, b], rule: .zscore).score(batch)
        #expect(even == [0, 0])
        #expect(Selection.best(try EnsembleVerifier(members: [a, b], rule: .zscore, weights: [1, 3]).score(batch), pools: batch.pools) == [1])
        #expect(Selection.best(try EnsembleVerifier(members: [a, b], rule: .zscore, weights: [3, 1]).score(batch), pools: batch.pools) == [0])
        // z-scores of a: mean 2, std √(2/3).
        #expect(abs(EnsembleVerifier.zscores([3, 1, 2])[0] - 1 / (2.0 / 3).squareRoot()) < 1e-12)
        #expect(EnsembleVerifier.zscores([4, 4]) == [0, 0])
        #expect(throws: VerifierError.self) { try EnsembleVerifier(members: [a, b], rule: .zscore, weights: [1]) }
        #expect(throws: VerifierError.self) { try EnsembleVerifier(members: [a, b], rule: .meanRank, weights: [1, 2]) }
    }

    @Test func fidOracleGreedyChoiceLowersTheRunningFID() throws {
        let net = try VerifierTestSupport.classifier("eval-cnn")
        let test = try #require(VerifierTestSupport.test)
        let per = 28 * 28
        // Reference: eval-cnn features of 400 known test images.
        let referenceImages = VerifierTestSupport.images(test, Array(0..<400))
        let referenceFeatures = EvaluationFeatures.extract(net, images: referenceImages).features
        let oracle = FIDOracleVerifier(evaluationNetwork: net, reference: try FrechetReference(GaussianStatistics(referenceFeatures)))
        // 30 slots of 3 candidates: a held-out real image at a varying position, two noisy images.
        let slots = 30
        var pixels = [Float](), realPosition = [Int]()
        let noise = VerifierTestSupport.noise(2 * slots, seed: 4).data
        for s in 0..<slots {
            let position = s % 3
            realPosition.append(position)
            var noiseUsed = 0
            for candidate in 0..<3 {
                if candidate == position {
                    pixels += test.pixels[((1000 + s) * per)..<((1001 + s) * per)]
                } else {
                    let lo = (2 * s + noiseUsed) * per
                    pixels += noise[lo..<(lo + per)].map { $0 * 0.8 }
                    noiseUsed += 1
                }
            }
        }
        let batch = CandidateBatch(images: Tensor(pixels, shape: [3 * slots, 1, 28, 28]), labels: [Int](repeating: 0, count: 3 * slots),
                                   pools: (0..<slots).map { (3 * $0)..<(3 * $0 + 3) })
        let scores = try oracle.score(batch)
        let chosen = Selection.best(scores, pools: batch.pools)
        let pickedReal = zip(chosen, realPosition.enumerated()).filter { $0 == 3 * $1.offset + $1.element }.count
        #expect(pickedReal >= slots * 2 / 3, "greedy FID picked the real image in \(pickedReal) of \(slots) slots")
        try oracle.commit(batch, chosen: chosen)
        #expect(oracle.selection.count == slots)
        #expect(oracle.cost.forwardPasses == 3 * slots)  // commit reused the scored features
        let greedyFID = try #require(try oracle.runningFID())
        // The same slots filled with the first noisy candidate instead.
        let other = chosen.enumerated().map { s, _ in 3 * s + (realPosition[s] == 0 ? 1 : 0) }
        let alternative = FIDOracleVerifier(evaluationNetwork: net, reference: oracle.reference)
        try alternative.commit(batch, chosen: other)
        #expect(greedyFID < (try alternative.runningFID()!))
        // The score of the chosen candidate of the last slot is −(FID of the final selection).
        #expect(abs(-scores[chosen.last!] - greedyFID) < 1e-6 * greedyFID)
    }

    @Test func factoryKnowsItsNames() throws {
        for name in VerifierFactory.names + ["self-similarity:clf-mlp"] { try VerifierFactory.validate(name) }
        #expect(throws: VerifierError.unknownVerifier("clf-vitt", known: VerifierFactory.names + ["self-similarity:eval-cnn", "self-similarity:clf-mlp", "self-similarity:clf-vit", "self-similarity:ssl-vit"])) {
            try VerifierFactory.validate("clf-vitt")
        }
    }
}
