/// Inverse-CDF draws from non-negative weights (unnormalised): the index whose cumulative weight
/// first exceeds u·Σw. Shared by smc's resampling and tree search's choice of a child to revisit.
struct CumulativeWeights {
    private var cumulative = [Double]()
    private(set) var sum = 0.0

    init(_ weights: [Double]) {
        cumulative.reserveCapacity(weights.count)
        for w in weights { sum += w; cumulative.append(sum) }
    }

    /// The index drawn by `u` in [0, 1) (the last index when rounding leaves u·Σw at the top).
    func index(_ u: Double) -> Int {
        let last = cumulative.count - 1
        return min(cumulative.firstIndex { u * sum < $0 } ?? last, last)
    }
}
