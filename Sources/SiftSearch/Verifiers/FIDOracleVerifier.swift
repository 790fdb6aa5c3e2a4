import SiftMetrics
import SiftModels
import SiftTensor

/// `fid-oracle`: greedy set-level FID against the reference statistics (eval-cnn features of the
/// Fashion-MNIST test split). For each sample slot in order, each candidate scores −FID of the
/// running selection with that candidate added; the running selection grows by the kept
/// candidate (``commit(_:chosen:)``). Within one batch the pools are treated in order, each
/// scored as if the best of the earlier pools had been kept.
public final class FIDOracleVerifier: Verifier {
    public let name = "fid-oracle"
    let pass: ClassifierPass
    let reference: FrechetReference
    /// Σx and Σxxᵀ of the committed selection's features.
    public private(set) var selection: RunningMoments
    /// Features of the last scored batch, reused by ``commit(_:chosen:)`` for that batch.
    private var lastFeatures: (images: Tensor, values: [Double])?

    public init(evaluationNetwork: Classifier, reference: FrechetReference) {
        pass = ClassifierPass(evaluationNetwork)
        self.reference = reference
        selection = RunningMoments(dimension: reference.statistics.dimension)
    }

    public var cost: VerifierCost { pass.cost }
    public var isPoolRelative: Bool { true }
    public var spansSlots: Bool { true }

    /// FID of the committed selection (nil before the first commit).
    public func runningFID() throws -> Double? {
        selection.count == 0 ? nil : try reference.distance(to: selection.statistics())
    }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        let features = self.features(batch)
        let d = selection.dimension
        var tentative = selection
        var scores = [Double](repeating: 0, count: batch.count)
        for pool in batch.pools {
            for i in pool {
                let stats = tentative.statistics(adding: features[(i * d)..<((i + 1) * d)])
                scores[i] = -(try reference.distance(to: stats))
            }
            let best = Selection.best(scores, pools: [pool])[0]
            tentative.add(features[(best * d)..<((best + 1) * d)])
        }
        return scores
    }

    /// `[count, Σx (d), Σxxᵀ (d·d)]` of the committed selection.
    public var runningState: [Double]? { [Double(selection.count)] + selection.sum + selection.outerSum }

    public func resume(from state: [Double]) throws {
        let d = selection.dimension
        guard state.count == 1 + d + d * d, let count = Int(exactly: state[0]), count >= 0 else {
            throw VerifierError.notResumable("fid-oracle: a running state of \(state.count) numbers does not fit features of dimension \(d)")
        }
        selection = RunningMoments(dimension: d, count: count, sum: Array(state[1...d]), outerSum: Array(state[(1 + d)...]))
    }

    public func commit(_ batch: CandidateBatch, chosen: [Int]) throws {
        let features = self.features(batch)
        let d = selection.dimension
        for i in chosen { selection.add(features[(i * d)..<((i + 1) * d)]) }
    }

    private func features(_ batch: CandidateBatch) -> [Double] {
        // The tensor itself is kept, so its identity cannot be reused by a later batch.
        if let last = lastFeatures, last.images === batch.images { return last.values }
        let values = pass.run(batch.images).features.map(Double.init)
        lastFeatures = (batch.images, values)
        return values
    }
}
