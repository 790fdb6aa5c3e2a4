/// The compute ledger of a search: what it cost, per run and per sample.
///
/// Rules: a candidate generated with `search_steps` that is re-generated with `final_steps`
/// costs both; when the two step counts are equal the winner is reused (its generation is the
/// final generation, not search); with one candidate there is no search cost; guidance ≠ 1
/// doubles every denoiser pass. Verifier passes are those spent choosing, not the scoring of the
/// final samples for reports.
public struct Ledger: Codable, Equatable, Sendable {
    /// Samples (conditions) the ledger covers.
    public var samples = 0
    /// Denoiser forward passes (per-image network evaluations) spent searching.
    public var searchPasses = 0
    /// Denoiser forward passes of the final generation of the chosen samples.
    public var finalPasses = 0
    /// Verifier forward passes (per image).
    public var verifierPasses = 0
    public var searchFLOPs = 0.0
    public var finalFLOPs = 0.0
    public var verifierFLOPs = 0.0
    /// Wall seconds (for shared pools: the share of this budget's work, see the algorithm).
    public var seconds = 0.0
    /// Backward passes through the denoiser (per image; first-order search), counted apart from
    /// the forward NFE. Each costs about ``backwardCostRatio`` forward passes.
    public var backwardPasses = 0
    /// Whether some pass had no known FLOP count (an external worker that does not report it):
    /// the FLOP figures then count only the known parts.
    public var flopsUnknown = false

    /// Cost of one backward pass through our engine (weights frozen: activations' gradients only)
    /// in forward passes, measured by `sift bench gradient` on 2 cores: 0.74 (sit-b + clf-vit) and
    /// 0.79 (sit-s + clf-vit) of the autograd forward, 0.55–0.69 of the inference forward (both
    /// beside other work). The paper assumed 3 (a backward with weight gradients costs about 2).
    public static let backwardCostRatio = 0.75

    public init(samples: Int = 0) { self.samples = samples }

    enum CodingKeys: String, CodingKey {
        case samples, seconds
        case searchPasses = "search_nfe", finalPasses = "final_nfe", verifierPasses = "verifier_passes"
        case searchFLOPs = "search_flops", finalFLOPs = "final_flops", verifierFLOPs = "verifier_flops"
        case backwardPasses = "backward_passes", flopsUnknown = "flops_unknown"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        samples = try c.decode(Int.self, forKey: .samples)
        seconds = try c.decode(Double.self, forKey: .seconds)
        searchPasses = try c.decode(Int.self, forKey: .searchPasses)
        finalPasses = try c.decode(Int.self, forKey: .finalPasses)
        verifierPasses = try c.decode(Int.self, forKey: .verifierPasses)
        searchFLOPs = try c.decode(Double.self, forKey: .searchFLOPs)
        finalFLOPs = try c.decode(Double.self, forKey: .finalFLOPs)
        verifierFLOPs = try c.decode(Double.self, forKey: .verifierFLOPs)
        backwardPasses = try c.decodeIfPresent(Int.self, forKey: .backwardPasses) ?? 0
        flopsUnknown = try c.decodeIfPresent(Bool.self, forKey: .flopsUnknown) ?? false
    }

    /// Forward NFE plus backward passes at ``backwardCostRatio`` forward passes each, per sample.
    public var nfeEquivalentPerSample: Double {
        (Double(totalPasses) + Ledger.backwardCostRatio * Double(backwardPasses)) / Double(max(samples, 1))
    }

    /// Denoiser passes in all.
    public var totalPasses: Int { searchPasses + finalPasses }
    /// The paper's x axis: total denoiser NFE per sample.
    public var nfePerSample: Double { Double(totalPasses) / Double(max(samples, 1)) }
    /// Denoiser and verifier GFLOPs per sample (the model-size comparison axis).
    public var gflopsPerSample: Double { (searchFLOPs + finalFLOPs + verifierFLOPs) / 1e9 / Double(max(samples, 1)) }
    public var denoiserGFLOPsPerSample: Double { (searchFLOPs + finalFLOPs) / 1e9 / Double(max(samples, 1)) }

    /// Adds `passes` search passes of a denoiser costing `flopsPerPass` each (nil: unknown).
    public mutating func addSearch(passes: Int, flopsPerPass: Int?) {
        searchPasses += passes
        searchFLOPs += Double(passes) * Double(flopsPerPass ?? 0)
        if flopsPerPass == nil && passes > 0 { flopsUnknown = true }
    }

    public mutating func addFinal(passes: Int, flopsPerPass: Int?) {
        finalPasses += passes
        finalFLOPs += Double(passes) * Double(flopsPerPass ?? 0)
        if flopsPerPass == nil && passes > 0 { flopsUnknown = true }
    }

    public mutating func addVerifier(_ cost: VerifierCost) {
        verifierPasses += cost.forwardPasses
        verifierFLOPs += cost.flops
        if cost.flopsUnknown { flopsUnknown = true }
    }

    /// Adds everything `other` counts (the ledgers of two parts of one task).
    public mutating func add(_ other: Ledger) {
        samples += other.samples
        backwardPasses += other.backwardPasses
        searchPasses += other.searchPasses
        finalPasses += other.finalPasses
        verifierPasses += other.verifierPasses
        searchFLOPs += other.searchFLOPs
        finalFLOPs += other.finalFLOPs
        verifierFLOPs += other.verifierFLOPs
        seconds += other.seconds
        flopsUnknown = flopsUnknown || other.flopsUnknown
    }

    /// The ledger as recorded in results, with the per-sample figures.
    public var record: LedgerRecord { LedgerRecord(self) }
}

/// The compute ledger as recorded, with the per-sample figures the plots use.
public struct LedgerRecord: Codable, Equatable, Sendable {
    public var samples: Int
    public var searchNFE: Int
    public var finalNFE: Int
    public var totalNFE: Int
    public var nfePerSample: Double
    public var verifierPasses: Int
    public var searchGFLOPs: Double
    public var finalGFLOPs: Double
    public var verifierGFLOPs: Double
    public var gflopsPerSample: Double
    public var seconds: Double
    /// Backward passes through the denoiser and the NFE-equivalent per sample (forward NFE +
    /// ``Ledger/backwardCostRatio`` × backward); nil (absent) without backward passes.
    public var backwardPasses: Int?
    public var nfeEquivalentPerSample: Double?
    /// `false` when some pass had no known FLOP count (the GFLOP figures count only the known
    /// parts); absent otherwise.
    public var flopsKnown: Bool?

    enum CodingKeys: String, CodingKey {
        case samples, seconds
        case searchNFE = "search_nfe", finalNFE = "final_nfe", totalNFE = "total_nfe", nfePerSample = "nfe_per_sample"
        case verifierPasses = "verifier_passes", searchGFLOPs = "search_gflops", finalGFLOPs = "final_gflops"
        case verifierGFLOPs = "verifier_gflops", gflopsPerSample = "gflops_per_sample"
        case backwardPasses = "backward_passes", nfeEquivalentPerSample = "nfe_equivalent_per_sample"
        case flopsKnown = "flops_known"
    }

    init(_ l: Ledger) {
        samples = l.samples
        searchNFE = l.searchPasses
        finalNFE = l.finalPasses
        totalNFE = l.totalPasses
        nfePerSample = l.nfePerSample
        verifierPasses = l.verifierPasses
        searchGFLOPs = l.searchFLOPs / 1e9
        finalGFLOPs = l.finalFLOPs / 1e9
        verifierGFLOPs = l.verifierFLOPs / 1e9
        gflopsPerSample = l.gflopsPerSample
        seconds = l.seconds
        if l.backwardPasses > 0 {
            backwardPasses = l.backwardPasses
            nfeEquivalentPerSample = l.nfeEquivalentPerSample
        }
        if l.flopsUnknown { flopsKnown = false }
    }
}
