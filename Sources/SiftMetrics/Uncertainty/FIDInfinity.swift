import SiftTensor

/// FID∞ (Chong & Forsyth 2020): FID is biased by 1/n, so sets of different sizes (or models
/// whose bias differs) rank wrongly at one n. FID is computed on class-stratified random subsets
/// of several sizes n_j (without replacement), `FID_n = FID∞ + k/n` is fitted by least squares,
/// and the intercept is FID∞. At Sift's scale the sizes run from a quarter of the set to all of
/// it (at least 200 samples), several subsets per size.
public enum FIDInfinity {
    /// The smallest set it is computed for (smaller sets extrapolate from too narrow a range).
    public static let minimumSamples = 500

    /// FID∞ of `features` (slot classes `labels`) against `reference`; nil below ``minimumSamples``.
    public static func estimate(features: FeatureMatrix, labels: [Int], reference: FrechetReference, sizes: Int = 8, repeats: Int = 10,
                                seed: UInt64 = 0xF1D) -> Double? {
        let n = features.rows
        guard n >= minimumSamples else { return nil }
        let fid = ResampledFID(features: features, reference: reference)
        let strata = Dictionary(grouping: labels.indices, by: { labels[$0] }).sorted { $0.key < $1.key }.map(\.value)
        let low = max(200, n / 4)
        var xs = [Double](), ys = [Double]()
        for j in 0..<sizes {
            let fraction = Double(low + (n - low) * j / max(sizes - 1, 1)) / Double(n)
            for r in 0..<(j == sizes - 1 ? 1 : repeats) {
                var counts = [Int](repeating: 0, count: n)
                let rng = Philox(seed: seed, stream: UInt64(j * 1000 + r))
                // Each class keeps its share: the same fraction of every stratum.
                for (s, stratum) in strata.enumerated() {
                    let take = max(2, Int((fraction * Double(stratum.count)).rounded()))
                    for i in KernelInceptionDistance.sampleWithoutReplacement(min(take, stratum.count), of: stratum.count, rng: rng.stream(UInt64(s))) {
                        counts[stratum[i]] = 1
                    }
                }
                xs.append(1 / Double(counts.reduce(0, +)))
                ys.append(fid.value(counts: counts))
            }
        }
        // Least squares y = a + b·x; FID∞ = a.
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }, sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        guard sxx > 0 else { return nil }
        return my - sxy / sxx * mx
    }
}
