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

    public init(samples: Int = 0) { self.samples = samples }

    enum CodingKeys: String, CodingKey {
        case samples, seconds
        case searchPasses = "search_nfe", finalPasses = "final_nfe", verifierPasses = "verifier_passes"
        case searchFLOPs = "search_flops", finalFLOPs = "final_flops", verifierFLOPs = "verifier_flops"
    }

    /// Denoiser passes in all.
    public var totalPasses: Int { searchPasses + finalPasses }
    /// The paper's x axis: total denoiser NFE per sample.
    public var nfePerSample: Double { Double(totalPasses) / Double(max(samples, 1)) }
    /// Denoiser and verifier GFLOPs per sample (the model-size comparison axis).
    public var gflopsPerSample: Double { (searchFLOPs + finalFLOPs + verifierFLOPs) / 1e9 / Double(max(samples, 1)) }
    public var denoiserGFLOPsPerSample: Double { (searchFLOPs + finalFLOPs) / 1e9 / Double(max(samples, 1)) }

    /// Adds `passes` search passes of a denoiser costing `flopsPerPass` each.
    public mutating func addSearch(passes: Int, flopsPerPass: Int) {
        searchPasses += passes
        searchFLOPs += Double(passes) * Double(flopsPerPass)
    }

    public mutating func addFinal(passes: Int, flopsPerPass: Int) {
        finalPasses += passes
        finalFLOPs += Double(passes) * Double(flopsPerPass)
    }

    public mutating func addVerifier(_ cost: VerifierCost) {
        verifierPasses += cost.forwardPasses
        verifierFLOPs += cost.flops
    }

    /// A JSON-friendly summary with the per-sample figures included.
    public var summary: [String: Double] {
        ["samples": Double(samples), "search_nfe": Double(searchPasses), "final_nfe": Double(finalPasses),
         "total_nfe": Double(totalPasses), "nfe_per_sample": nfePerSample, "verifier_passes": Double(verifierPasses),
         "search_gflops": searchFLOPs / 1e9, "final_gflops": finalFLOPs / 1e9, "verifier_gflops": verifierFLOPs / 1e9,
         "gflops_per_sample": gflopsPerSample, "seconds": seconds]
    }
}
