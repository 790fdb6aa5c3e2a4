import Foundation
import SiftData
import SiftMetrics
import SiftModels
import SiftTensor
import SiftUtilities

/// The real side of every metric: eval-cnn features `(10000, 128)` of the Fashion-MNIST test
/// split with their labels, and the Fréchet reference built from them.
///
/// Features are computed once and cached as `<cache>/fmnist-test-features-<hash>.npy`, where
/// `hash` is a 64-bit FNV-1a hash of the eval-cnn weights file: new weights, new cache entry.
public struct ReferenceSet: Sendable {
    /// The features, labels and what every metric derives from them.
    public let metrics: MetricReference
    /// FNV-1a hash (hex) of the evaluation network's weights.
    public let weightsHash: String

    public var features: FeatureMatrix { metrics.features }
    public var labels: [Int] { metrics.labels }
    public var frechet: FrechetReference { metrics.frechet }

    public init(features: FeatureMatrix, labels: [Int], weightsHash: String, kidRealTerm: Double? = nil) throws {
        metrics = try MetricReference(features: features, labels: labels, kidRealTerm: kidRealTerm)
        self.weightsHash = weightsHash
    }

    /// The reference with KID's real–real term read from `<cache>.kid` when present, else computed
    /// and written there (a second per process otherwise: every kernel pair of 10,000 images).
    static func withCachedKIDTerm(features: FeatureMatrix, labels: [Int], hash: String, cache: URL) throws -> ReferenceSet {
        let file = cache.appendingPathExtension("kid")
        if let text = try? String(contentsOf: file, encoding: .utf8), let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return try ReferenceSet(features: features, labels: labels, weightsHash: hash, kidRealTerm: value)
        }
        let reference = try ReferenceSet(features: features, labels: labels, weightsHash: hash)
        try? writeFileAtomically(Data("\(reference.metrics.kidRealTerm)\n".utf8), to: file)
        return reference
    }

    /// Default cache folder: `$SIFT_CACHE`, else `<models>/cache`.
    public static var defaultCacheDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["SIFT_CACHE"] { return URL(fileURLWithPath: path) }
        return ModelZoo.directory.appendingPathComponent("cache")
    }

    /// Loads the cached reference for `network` (weights at `weights`), computing and caching it
    /// on first use. `log` receives a line when the features are (re)computed.
    public static func load(network: Classifier, weights: URL, dataDirectory: String = FashionMNIST.defaultDirectory,
                            cacheDirectory: URL = defaultCacheDirectory, log: (String) -> Void = { _ in }) throws -> ReferenceSet {
        let hash = try fileHash(weights)
        let test = try FashionMNIST.load(split: .test, directory: dataDirectory)
        let cache = cacheDirectory.appendingPathComponent("fmnist-test-features-\(hash).npy")
        if FileManager.default.fileExists(atPath: cache.path),
           let cached = try? FeatureFile.read(cache.path), cached.rows == test.count, cached.columns == network.featureDimension {
            return try withCachedKIDTerm(features: cached, labels: test.labels, hash: hash, cache: cache)
        }
        let start = Date()
        let images = Tensor(test.pixels, shape: [test.count, 1, 28, 28])
        let features = EvaluationFeatures.extract(network, images: images).features
        log(String(format: "computed eval-cnn reference features of %d test images in %.1f s -> %@", test.count,
                   Date().timeIntervalSince(start), cache.path))
        do {
            try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
            try FeatureFile.writeNPY(features, to: cache.path)
        } catch {
            log("warning: could not cache the reference features (\(error)); continuing without the cache")
        }
        return try withCachedKIDTerm(features: features, labels: test.labels, hash: hash, cache: cache)
    }

    /// 64-bit FNV-1a of a file's bytes, as 16 hex digits.
    public static func fileHash(_ url: URL) throws -> String {
        FNV1a.hex(try Data(contentsOf: url))
    }
}

/// Features and logits of images under a classifier, as metric inputs.
public enum EvaluationFeatures {
    /// `features (N, F)` and `logits (N, 10)` of `images (N, 1, 28, 28)`, with the pass's cost.
    public static func extract(_ network: Classifier, images: Tensor) -> (features: FeatureMatrix, logits: FeatureMatrix, cost: VerifierCost) {
        let pass = ClassifierPass(network)
        let (f, l) = pass.run(images)
        let n = images.shape[0]
        return (FeatureMatrix(rows: n, columns: network.featureDimension, floats: f),
                FeatureMatrix(rows: n, columns: l.count / max(n, 1), floats: l), pass.cost)
    }
}
