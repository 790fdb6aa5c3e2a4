import SiftTensor

/// Candidates handed to a verifier in one call.
///
/// Candidates of one sample slot are consecutive and form a *pool* (`pools`, in slot order); a
/// search keeps the best-scoring candidate of each pool. Pool-relative verifiers (the ensembles,
/// the FID oracle) use the pools; per-candidate verifiers ignore them.
public struct CandidateBatch {
    /// Final samples `(B, 1, 28, 28)` in data scale ([-1, 1]).
    public let images: Tensor
    /// Conditioning class of each candidate `(B)`.
    public let labels: [Int]
    /// The data prediction at the self-supervised noise level (t = 0.6) `(B, 1, 28, 28)`, when a
    /// verifier asks for it (``Verifier/needsEarlyPrediction``).
    public let earlyPrediction: Tensor?
    /// Consecutive index ranges, one per sample slot, covering `0..<B`.
    public let pools: [Range<Int>]

    public init(images: Tensor, labels: [Int], earlyPrediction: Tensor? = nil, pools: [Range<Int>]? = nil) {
        let b = images.shape[0]
        precondition(labels.count == b, "CandidateBatch: \(b) images, \(labels.count) labels")
        precondition(earlyPrediction.map { $0.shape == images.shape } ?? true, "CandidateBatch: early prediction shape differs")
        let pools = pools ?? [0..<b]
        precondition(pools.reduce(0) { $0 + $1.count } == b && zip(pools, pools.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }
                     && (pools.first?.lowerBound ?? 0) == 0, "CandidateBatch: pools must tile 0..<\(b) in order")
        self.images = images
        self.labels = labels
        self.earlyPrediction = earlyPrediction
        self.pools = pools
    }

    public var count: Int { labels.count }
}

/// What a verifier has cost so far: per-image network forward passes and their FLOPs.
public struct VerifierCost: Codable, Equatable, Sendable {
    public var forwardPasses = 0
    public var flops = 0.0
    /// Whether some pass had no known FLOP count (an external worker that does not report it).
    public var flopsUnknown = false
    public init(forwardPasses: Int = 0, flops: Double = 0, flopsUnknown: Bool = false) {
        self.forwardPasses = forwardPasses
        self.flops = flops
        self.flopsUnknown = flopsUnknown
    }
    /// The flag is not stored: a ledger keeps its own (``Ledger/flopsUnknown``).
    enum CodingKeys: String, CodingKey { case forwardPasses, flops }
    public var gflops: Double { flops / 1e9 }
    /// Charges `images` passes of `flopsPerImage` each (nil: unknown, as an external worker may say).
    public mutating func charge(images: Int, flopsPerImage: Double?) {
        forwardPasses += images
        if let f = flopsPerImage { flops += Double(images) * f } else if images > 0 { flopsUnknown = true }
    }
    public static func + (a: VerifierCost, b: VerifierCost) -> VerifierCost {
        VerifierCost(forwardPasses: a.forwardPasses + b.forwardPasses, flops: a.flops + b.flops, flopsUnknown: a.flopsUnknown || b.flopsUnknown)
    }
}

/// Scores candidates; higher is better. One verifier per file; built by ``VerifierFactory``.
public protocol Verifier: AnyObject {
    /// The name used in experiment files (`clf-vit`, `mean-rank(…)`, …).
    var name: String { get }
    /// Whether ``CandidateBatch/earlyPrediction`` must be supplied.
    var needsEarlyPrediction: Bool { get }
    /// Forward passes and FLOPs spent so far (for the compute ledger).
    var cost: VerifierCost { get }
    /// Whether a candidate's score depends on the rest of its pool or on earlier commits (the
    /// ensembles' ranks and z-scores, the FID oracle's running selection). Such scores are only
    /// compared within one pool, and a search re-scores each budget's own pools.
    var isPoolRelative: Bool { get }
    /// Whether a slot's scores depend on the choices of earlier slots (the FID oracle's running
    /// set): a search with such a verifier is split into chunks of slots only when the verifier
    /// hands its running state on (``runningState``), the chunks then running in slot order.
    var spansSlots: Bool { get }
    /// The running state that later slots' scores depend on, as numbers that ``resume(from:)``
    /// restores exactly (the FID oracle: the count, Σx and Σxxᵀ of its committed selection); nil
    /// for verifiers without one, or whose state cannot be handed on (ensembles).
    var runningState: [Double]? { get }
    /// Continues from a state another verifier of the same spec gave as ``runningState`` (the
    /// previous chunk's); throws when the state does not fit.
    func resume(from state: [Double]) throws
    /// One score per candidate.
    func score(_ batch: CandidateBatch) throws -> [Double]
    /// Tells the verifier which candidate of each pool was finally kept (`chosen[p]` indexes the
    /// batch). Set-level verifiers (the FID oracle) grow their running selection; others ignore it.
    func commit(_ batch: CandidateBatch, chosen: [Int]) throws
}

extension Verifier {
    public var needsEarlyPrediction: Bool { false }
    public var isPoolRelative: Bool { false }
    public var spansSlots: Bool { false }
    public var runningState: [Double]? { nil }
    public func resume(from state: [Double]) throws {
        throw VerifierError.notResumable("verifier '\(name)' keeps no running state to resume from")
    }
    public func commit(_ batch: CandidateBatch, chosen: [Int]) throws {}
}

/// Picking winners from scores.
public enum Selection {
    /// Index (into the batch) of the best score of each pool; the first of equal scores wins.
    public static func best(_ scores: [Double], pools: [Range<Int>]) -> [Int] {
        pools.map { pool in
            var best = pool.lowerBound
            for i in pool where scores[i] > scores[best] { best = i }
            return best
        }
    }
}
