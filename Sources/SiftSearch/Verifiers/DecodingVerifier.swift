import SiftModels
import SiftTensor
import SiftWorker

/// A verifier of a latent model's candidates: decodes them through the model's worker (`decode`)
/// and hands the images to `inner`. Decoding is not a network evaluation of the ledger (neither
/// NFE nor a verifier pass); its time is in the wall seconds.
public final class DecodingVerifier: Verifier {
    let inner: Verifier
    let decoder: WorkerClient

    public init(_ inner: Verifier, decoder: WorkerClient) {
        self.inner = inner
        self.decoder = decoder
    }

    /// `verifier` itself, or wrapped in a decoder when `source` is a worker whose samples must be
    /// decoded into images.
    public static func wrapping(_ verifier: Verifier, for source: VelocitySource) -> Verifier {
        guard case .worker(let client) = source, client.description.ops.contains("decode") else { return verifier }
        return DecodingVerifier(verifier, decoder: client)
    }

    public var name: String { inner.name }
    public var needsEarlyPrediction: Bool { inner.needsEarlyPrediction }
    public var cost: VerifierCost { inner.cost }
    public var isPoolRelative: Bool { inner.isPoolRelative }
    public var spansSlots: Bool { inner.spansSlots }
    public var runningState: [Double]? { inner.runningState }
    public func resume(from state: [Double]) throws { try inner.resume(from: state) }

    public func score(_ batch: CandidateBatch) throws -> [Double] { try inner.score(try decoded(batch)) }

    public func commit(_ batch: CandidateBatch, chosen: [Int]) throws { try inner.commit(try decoded(batch), chosen: chosen) }

    /// The batch with its samples (and early predictions) decoded into images.
    func decoded(_ batch: CandidateBatch) throws -> CandidateBatch {
        CandidateBatch(images: try Self.decode(batch.images, with: decoder), labels: batch.labels,
                       earlyPrediction: try batch.earlyPrediction.map { try Self.decode($0, with: decoder) }, pools: batch.pools)
    }

    /// Images `(B, image_shape)` of samples `(B, sample_shape)`.
    public static func decode(_ samples: Tensor, with decoder: WorkerClient) throws -> Tensor {
        let n = samples.shape[0]
        return Tensor(try decoder.decode(samples.data, count: n), shape: [n] + (decoder.description.imageShape ?? []))
    }
}

extension SearchOutcome {
    /// The outcome with its final samples (and t = 0.6 predictions) as images: decoded through the
    /// model's worker for a latent model, unchanged otherwise. Metrics, held-out verifiers and the
    /// sample grid read these.
    public func decoded(for source: VelocitySource) throws -> SearchOutcome {
        guard case .worker(let client) = source, client.description.ops.contains("decode") else { return self }
        return SearchOutcome(algorithm: algorithm, budgetName: budgetName, budget: budget, noSearch: noSearch,
                             images: try DecodingVerifier.decode(images, with: client),
                             early: try early.map { try DecodingVerifier.decode($0, with: client) },
                             chosen: chosen, trace: trace, ledger: ledger, finalScores: finalScores, verifierState: verifierState)
    }
}
