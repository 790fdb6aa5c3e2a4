import SiftTensor
import SiftWorker

/// `self-similarity:worker[COMMAND]`: ``SelfSimilarityVerifier``'s cosine between the features of
/// the t = 0.6 data prediction and of the final sample, with the features from an external
/// worker's `features` operation; charged one pass per image at the worker's `flops_per_image`.
public final class WorkerSelfSimilarityVerifier: Verifier {
    public let name: String
    let client: WorkerClient
    public private(set) var cost = VerifierCost()

    public init(name: String, client: WorkerClient) throws {
        try client.description.require("features", named: "for self-similarity", command: client.command)
        self.name = name
        self.client = client
    }

    public var needsEarlyPrediction: Bool { true }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        guard let early = batch.earlyPrediction else { throw VerifierError.missingEarlyPrediction(verifier: name) }
        let b = batch.count
        let both = Tensor.concat([early, batch.images], axis: 0)  // (2B, 1, 28, 28)
        let features = try client.features(both.data, shape: Array(both.shape.dropFirst()), count: 2 * b)
        cost.charge(images: 2 * b, flopsPerImage: client.description.flopsPerImage)
        return SelfSimilarityVerifier.cosines(features, count: b)
    }
}
