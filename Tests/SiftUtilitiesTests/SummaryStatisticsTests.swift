import Testing
import SiftUtilities

@Suite struct CorrelationTests {
    @Test func pearsonMatchesNumpy() {
        // numpy.corrcoef([1,2,3,4,5], [2,4,5,4,5])[0, 1]
        #expect(abs(Pearson.r([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]) - 0.7745966692414834) < 1e-14)
        // A large offset does not cancel: numpy.corrcoef([1e9+1, …, 1e9+4], [3, 1, 4, 1])[0, 1]
        #expect(abs(Pearson.r([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4], [3, 1, 4, 1]) - -0.25819888974716115) < 1e-12)
    }

    @Test func signScaleAndDegenerateInputs() {
        let x: [Double] = [0.3, -1.2, 2.5, 0.9, 4.1]
        #expect(abs(Pearson.r(x, x.map { 3 * $0 + 7 }) - 1) < 1e-14)
        #expect(abs(Pearson.r(x, x.map { -0.5 * $0 }) + 1) < 1e-14)
        #expect(Pearson.r(x, [1, 1, 1, 1, 1]).isNaN)
        #expect(Pearson.r([1], [2]).isNaN)
    }
}

@Suite struct MeanAndDeviationTests {
    @Test func populationStatisticsLikeNumpy() {
        // numpy: np.mean / np.std (ddof 0) of [2, 4, 4, 4, 5, 5, 7, 9] = 5, 2
        let s = MeanAndDeviation([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(s.mean == 5 && s.std == 2)
        #expect(MeanAndDeviation([3]).std == 0)
        #expect(MeanAndDeviation([]).mean.isNaN)
    }
}
