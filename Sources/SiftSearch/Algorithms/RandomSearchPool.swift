import SiftTensor

extension RandomSearch {
    /// Every slot's first `nMax` candidates generated with `searchSteps` in large batches
    /// (slot-major), optionally with their t = 0.6 data predictions. One pool can serve several
    /// runs: any budget up to `nMax` and any verifier (the candidates do not depend on it).
    public struct Pool {
        public let keys: [CandidateKey]
        public let images: Tensor
        public let early: Tensor?
        public let nMax: Int
        public let seconds: Double

        public static func generate(_ task: SearchTask, nMax: Int, earlyPrediction: Bool, context: SearchContext) -> Pool {
            let keys = task.slots.flatMap { slot in (0..<nMax).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) } }
            let ((images, early), seconds) = context.timed {
                context.generator(steps: context.settings.searchSteps).generate(keys, earlyPrediction: earlyPrediction)
            }
            return Pool(keys: keys, images: images, early: early, nMax: nMax, seconds: seconds)
        }

        /// Whether a pool must carry t = 0.6 predictions: to score with (the verifier needs them),
        /// or, with equal search and final steps, to hand on with the final samples when the
        /// context records them.
        public static func needsEarlyPrediction(verifierNeedsIt: Bool, context: SearchContext) -> Bool {
            verifierNeedsIt || (context.reusesWinners && context.recordEarlyPrediction)
        }

        /// Whether this pool holds `task`'s slots (slot-major, from candidate 0), at least `nMax`
        /// candidates each and, when `early`, their t = 0.6 predictions.
        func fits(_ task: SearchTask, nMax wanted: Int, early: Bool) -> Bool {
            let slots = task.slots
            return nMax >= wanted && (self.early != nil || !early) && keys.count == slots.count * nMax
                && slots.indices.allSatisfy { i in
                    let k = keys[i * nMax]
                    return k.classIndex == slots[i].classIndex && k.sample == slots[i].sample && k.candidate == 0
                }
        }

        /// The same candidates as a pool of `n ≤ nMax` per slot (rows of each slot's prefix).
        func prefix(_ n: Int, slots: Int) -> Pool {
            guard n < nMax else { return self }
            let rows = (0..<slots).flatMap { s in (s * nMax)..<(s * nMax + n) }
            return Pool(keys: rows.map { keys[$0] }, images: images.rows(rows), early: early?.rows(rows), nMax: n,
                        seconds: seconds * Double(n) / Double(nMax))
        }

        /// Row ranges of each slot's candidates.
        var slotRanges: [Range<Int>] { (0..<(keys.count / max(nMax, 1))).map { ($0 * nMax)..<(($0 + 1) * nMax) } }
    }
}
