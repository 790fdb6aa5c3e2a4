import SiftMetrics
import SiftModels
import SiftTensor

/// Every sample-quality metric of a generated set against the reference set.
public struct SampleMetrics: Codable, Equatable, Sendable {
    public var samples: Int
    public var fid: Double
    public var isMean: Double
    public var isStd: Double
    public var kidMean: Double
    public var kidStd: Double
    public var precision: Double
    public var recall: Double
    /// FID of each class's samples against that class's test images (class index as a string key).
    public var classFIDByClass: [String: Double]
    /// The mean over classes of ``classFIDByClass`` (`class_fid`).
    public var classFID: Double

    enum CodingKeys: String, CodingKey {
        case samples, fid, precision, recall
        case isMean = "is_mean", isStd = "is_std", kidMean = "kid_mean", kidStd = "kid_std"
        case classFIDByClass = "class_fid_by_class", classFID = "class_fid"
    }

    /// Settings of the subset-based metrics.
    public struct Options: Sendable {
        public var isSplits = 10
        public var kidSubsets = 100
        public var kidSubsetSize = 1000
        public var k = 3
        public var seed: UInt64 = 2020
        public init() {}
    }

    /// Metrics of `images (N, 1, 28, 28)` with conditioning `labels`, using `network` (eval-cnn).
    ///
    /// FID and KID use all reference rows; precision/recall compare against a fixed Philox-chosen
    /// subset of the reference of the same size as the generated set (both manifolds then have the
    /// same density), so the numbers are comparable across runs of the same size.
    public static func evaluate(images: Tensor, labels: [Int], network: Classifier, reference: ReferenceSet,
                                options: Options = Options()) throws -> SampleMetrics {
        let (features, logits, _) = EvaluationFeatures.extract(network, images: images)
        return try evaluate(features: features, logits: logits, labels: labels, reference: reference, options: options)
    }

    public static func evaluate(features: FeatureMatrix, logits: FeatureMatrix, labels: [Int], reference: ReferenceSet,
                                options: Options = Options()) throws -> SampleMetrics {
        try features.validate("generated features")
        let fid = try reference.frechet.distance(to: GaussianStatistics(features))
        let splits = min(options.isSplits, logits.rows)
        // Samples arrive class by class: shuffle so that every split sees every class.
        let inception = try InceptionScore.compute(logits: InceptionScore.shuffled(logits, seed: options.seed), splits: splits,
                                                   name: "generated logits")
        let kid = try KernelInceptionDistance.compute(real: reference.features, fake: features, subsets: options.kidSubsets,
                                                      subsetSize: options.kidSubsetSize, seed: options.seed)
        let realSubset = KernelInceptionDistance.sampleWithoutReplacement(
            min(features.rows, reference.features.rows), of: reference.features.rows, rng: Philox(seed: options.seed, stream: 0x9E))
        let pr = try PrecisionRecall.compute(real: reference.features.selecting(rows: realSubset.sorted()), fake: features, k: options.k)
        let perClass = try FrechetDistance.perClass(fake: features, fakeLabels: labels, real: reference.features, realLabels: reference.labels)
        let perClassByName = Dictionary(uniqueKeysWithValues: perClass.map { (String($0.key), $0.value) })
        // Summed in class order: a dictionary's iteration order changes from run to run.
        let meanPerClass = perClass.isEmpty ? .nan : perClass.keys.sorted().reduce(0) { $0 + perClass[$1]! } / Double(perClass.count)
        return SampleMetrics(samples: features.rows, fid: fid, isMean: inception.mean, isStd: inception.std,
                             kidMean: kid.mean, kidStd: kid.std, precision: pr.precision, recall: pr.recall,
                             classFIDByClass: perClassByName, classFID: meanPerClass)
    }
}
