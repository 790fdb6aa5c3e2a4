import Foundation
import SiftModels
import SiftTensor

/// The chores every algorithm shares: pass counts, final regeneration of winners, ledger
/// charging and outcome records.
extension SearchContext {
    /// Whether search and final steps are equal: a winner's search generation is its final sample.
    public var reusesWinners: Bool { settings.searchSteps == settings.finalSteps }
    /// Denoiser passes of one candidate generated with the search steps.
    public var searchPassesPerCandidate: Int { passes(steps: settings.searchSteps) }
    /// Denoiser passes of one final sample.
    public var finalPassesPerSample: Int { passes(steps: settings.finalSteps) }

    /// The final samples of winners `keys` (from `initial` noises, default their keyed noises)
    /// generated with the final steps, with their t = 0.6 predictions when `earlyPrediction`, and
    /// the wall seconds it took.
    public func regenerate(_ keys: [CandidateKey], initial: [[Float]]? = nil, earlyPrediction: Bool)
        -> (images: Tensor, early: Tensor?, seconds: Double) {
        let ((images, early), seconds) = timed {
            generator(steps: settings.finalSteps).generate(keys, initial: initial, earlyPrediction: earlyPrediction)
        }
        return (images, early, seconds)
    }
}

extension Ledger {
    /// The ledger of a run that drives the denoiser itself (paths, smc, beam): its passes since
    /// `passesBefore` — as search, or for a run that searched nothing as the final generation —
    /// the verifier's cost, and the wall seconds since `start`.
    static func measured(samples: Int, context: SearchContext, passesBefore: Int, searched: Bool, verifier: VerifierCost, since start: Date) -> Ledger {
        var ledger = Ledger(samples: samples)
        let passes = context.denoiser.forwardPasses - passesBefore
        if searched {
            ledger.addSearch(passes: passes, flopsPerPass: context.flopsPerPass)
        } else {
            ledger.addFinal(passes: passes, flopsPerPass: context.flopsPerPass)
        }
        ledger.addVerifier(verifier)
        ledger.seconds = Date().timeIntervalSince(start)
        return ledger
    }

    /// Charges `candidates` generations with the search steps.
    public mutating func chargeSearch(candidates: Int, context: SearchContext) {
        addSearch(passes: candidates * context.searchPassesPerCandidate, flopsPerPass: context.flopsPerPass)
    }

    /// Charges the final generation of `samples` samples (also when a winner is reused: its
    /// generation is then the final one, not search).
    public mutating func chargeFinal(samples: Int, context: SearchContext) {
        addFinal(passes: samples * context.finalPassesPerSample, flopsPerPass: context.flopsPerPass)
    }
}

extension SearchAlgorithm {
    /// The outcome at `budget`, named by this algorithm's kind and budget axis.
    public func outcome(budget: Int, images: Tensor, early: Tensor?, chosen: [ChosenSample], trace: [Double], ledger: Ledger) -> SearchOutcome {
        var p = parameters
        p.budget = budget
        return SearchOutcome(algorithm: Self.kind, budgetName: Parameters.budgetKey, budget: budget, noSearch: p.isNoSearch, images: images,
                             early: early, chosen: chosen, trace: trace, ledger: ledger, finalScores: nil)
    }
}

/// The mean of `values` (0 for none).
func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
