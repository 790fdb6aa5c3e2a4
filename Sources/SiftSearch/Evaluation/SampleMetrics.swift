import SiftMetrics
import SiftModels
import SiftTensor

/// Every sample-quality metric of a generated set against the reference set.
///
/// - FID: the plug-in Fréchet distance of the eval-cnn features' Gaussians.
/// - IS: on the whole set in one split. Splits exist in the reference implementation to give a
///   spread, which the bootstrap interval now gives properly; at n ≤ 1,000, ten splits of ≤ 100
///   samples would estimate the marginal p(y) from too few samples and bias IS downward.
/// - KID: the unbiased MMD² (cubic kernel) of the whole set against the whole reference — the
///   limit of torch-fidelity's average over subsets (every subset average of a U-statistic has
///   the full U-statistic as its mean), without its subset noise; its spread is the bootstrap's.
/// - Precision/recall (k = 3) against a fixed real subset of the set's size
///   (``MetricReference/precisionRecallSubset(size:seed:)``), so both manifolds have one density.
/// - Class FID: the mean over classes of each class's FID against that class's test images.
/// - FID∞: the 1/n-extrapolated FID (``FIDInfinity``), from 500 samples on; no interval.
public struct SampleMetrics: Codable, Equatable, Sendable {
    public var samples: Int
    public var fid: Double
    public var isMean: Double
    public var kidMean: Double
    public var precision: Double
    public var recall: Double
    /// FID of each class's samples against that class's test images (class index as a string key).
    public var classFIDByClass: [String: Double]
    /// The mean over classes of ``classFIDByClass`` (`class_fid`).
    public var classFID: Double
    /// FID∞ (``FIDInfinity``), for sets of at least 500 samples.
    public var fidInfinity: Double?

    enum CodingKeys: String, CodingKey {
        case samples, fid, precision, recall
        case isMean = "is_mean", kidMean = "kid_mean"
        case classFIDByClass = "class_fid_by_class", classFID = "class_fid", fidInfinity = "fid_inf"
    }

    /// Settings of the neighbourhood metrics.
    public struct Options: Sendable {
        public var k = 3
        /// Seed of the fixed real subset of precision/recall.
        public var seed: UInt64 = 2020
        public init() {}
    }

    /// The features and logits of `images (N, 1, 28, 28)` under `network` (eval-cnn), with
    /// their metrics against `reference`.
    public static func evaluate(images: Tensor, labels: [Int], network: Classifier, reference: ReferenceSet,
                                options: Options = Options()) throws -> (metrics: SampleMetrics, features: FeatureMatrix, logits: FeatureMatrix) {
        let (features, logits, _) = EvaluationFeatures.extract(network, images: images)
        return (try evaluate(features: features, logits: logits, labels: labels, reference: reference.metrics, options: options), features, logits)
    }

    public static func evaluate(features: FeatureMatrix, logits: FeatureMatrix, labels: [Int], reference: MetricReference,
                                options: Options = Options()) throws -> SampleMetrics {
        try features.validate("generated features")
        try logits.validate("generated logits")
        let ones = [Int](repeating: 1, count: features.rows)
        let fid = try reference.frechet.distance(to: GaussianStatistics(features))
        let inception = try InceptionScore.compute(logits: logits, splits: 1, name: "generated logits")
        let kid = ResampledKID(features: features, reference: reference).value(counts: ones)
        let pr = try PrecisionRecall.compute(real: reference.precisionRecallSubset(size: features.rows, seed: options.seed), fake: features, k: options.k)
        let perClass = try FrechetDistance.perClass(fake: features, fakeLabels: labels, real: reference.features, realLabels: reference.labels)
        let perClassByName = Dictionary(uniqueKeysWithValues: perClass.map { (String($0.key), $0.value) })
        // Summed in class order: a dictionary's iteration order changes from run to run.
        let meanPerClass = perClass.isEmpty ? .nan : perClass.keys.sorted().reduce(0) { $0 + perClass[$1]! } / Double(perClass.count)
        return SampleMetrics(samples: features.rows, fid: fid, isMean: inception.mean, kidMean: kid, precision: pr.precision, recall: pr.recall,
                             classFIDByClass: perClassByName, classFID: meanPerClass,
                             fidInfinity: FIDInfinity.estimate(features: features, labels: labels, reference: reference.frechet))
    }
}
