import SiftTensor

/// A class-stratified bootstrap over sample slots: each replicate draws, within every class, as
/// many slots as the class has, uniformly with replacement (so every replicate keeps the class
/// balance of the cell). Replicates are keyed by (seed, replicate): any replicate can be drawn
/// alone, in any order or thread, and two cells with the same slots get the same draws — the
/// paired bootstrap of two cells that share their slots' noises.
public struct ResamplePlan: Sendable {
    /// Class label of each slot, in slot order.
    public let labels: [Int]
    public let replicates: Int
    public let seed: UInt64
    /// Slot indices of each class, in slot order, classes ascending.
    let strata: [[Int]]

    public init(labels: [Int], replicates: Int, seed: UInt64) {
        precondition(replicates >= 1, "ResamplePlan: at least one replicate")
        self.labels = labels
        self.replicates = replicates
        self.seed = seed
        strata = Dictionary(grouping: labels.indices, by: { labels[$0] }).sorted { $0.key < $1.key }.map(\.value)
    }

    public var slots: Int { labels.count }

    /// How often each slot is drawn in replicate `b` `(slots)`; sums to the slot count per class.
    public func counts(_ b: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: labels.count)
        let rng = Philox(seed: seed, stream: 0xB007).stream(UInt64(b))
        var draw = 0
        for stratum in strata {
            for _ in stratum {
                counts[stratum[rng.integer(below: stratum.count, at: draw)]] += 1
                draw += 1
            }
        }
        return counts
    }

    /// The slots of replicate `b` as a list with repeats, slot order (each slot `counts[i]` times).
    public static func indices(_ counts: [Int]) -> [Int] {
        var out = [Int]()
        out.reserveCapacity(counts.reduce(0, +))
        for (i, c) in counts.enumerated() where c > 0 { out += repeatElement(i, count: c) }
        return out
    }
}
