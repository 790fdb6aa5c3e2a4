import Testing
@testable import SiftMetrics

@Suite struct KernelInceptionDistanceTests {
    @Test func mmdMatchesNumpyOnGivenSubsets() throws {
        let expected = try MetricsFixtures.expected()
        let real = try MetricsFixtures.features("real"), fake = try MetricsFixtures.features("fake")
        let subsets = expected["kid_subsets"] as! [String: Any]
        let indices = subsets["indices"] as! [[[Int]]]
        let reference = subsets["mmd2"] as! [Double]
        for (pair, value) in zip(indices, reference) {
            let mmd = KernelInceptionDistance.mmd2(real.selecting(rows: pair[0]), fake.selecting(rows: pair[1]))
            #expect(MetricsFixtures.relativeError(mmd, value) <= 1e-6)
        }
    }

    @Test func fullSizeSubsetsAreDeterministic() throws {
        // With the subset as large as both sets every subset is a permutation: std 0, mean = MMD².
        let expected = try MetricsFixtures.expected()
        let real = try MetricsFixtures.features("real").selecting(rows: Array(0..<300))
        let fake = try MetricsFixtures.features("fake")
        let kid = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: 4, subsetSize: 1000)
        #expect(kid.subsetSize == 300)
        #expect(MetricsFixtures.relativeError(kid.mean, expected["kid_full_300"] as! Double) <= 1e-6)
        #expect(kid.std < 1e-9 * abs(kid.mean))
    }

    @Test func subsetsAreDistinctIndicesAndSeeded() throws {
        let rng = SiftTensor.Philox(seed: 3)
        let pick = KernelInceptionDistance.sampleWithoutReplacement(50, of: 60, rng: rng)
        #expect(Set(pick).count == 50 && pick.allSatisfy { (0..<60).contains($0) })
        let real = try MetricsFixtures.features("real"), fake = try MetricsFixtures.features("fake")
        let a = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: 5, subsetSize: 100)
        let b = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: 5, subsetSize: 100)
        #expect(a == b)
        #expect(a.std > 0)
        let same = try KernelInceptionDistance.compute(real: real, fake: real, subsets: 5, subsetSize: 100)
        // Overlapping subsets of one set bias MMD² upwards a little, but far below a different set.
        #expect(abs(same.mean) < 0.2 * a.mean)
    }
}

import SiftTensor
