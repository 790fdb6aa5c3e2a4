/// Pearson r between two scores of a candidate pool, resampled by sample slot: every candidate of
/// a slot shares its slot's noise stream and class, so the slot (not the candidate) is the unit
/// the bootstrap draws, and a slot drawn `c` times weighs each of its candidates `c` times.
public struct ResampledCorrelation: ResampledStatistic {
    /// Slot of each candidate `(candidates)`.
    let slotOf: [Int]
    let x: [Double]
    let y: [Double]
    /// Candidates of each class, when r is the mean of the within-class r (nil: r over all).
    let classes: [[Int]]?

    /// `slotOf[i]`: the slot of candidate `i`, whose scores are `x[i]` and `y[i]`. With
    /// `withinClass` the statistic is the mean over classes (`classOf` each candidate's class) of
    /// each class's r, classes where r is undefined (a constant score) left out.
    public init(slotOf: [Int], x: [Double], y: [Double], withinClass classOf: [Int]? = nil) {
        precondition(slotOf.count == x.count && x.count == y.count, "ResampledCorrelation: one slot and two scores per candidate")
        self.slotOf = slotOf
        self.x = x
        self.y = y
        classes = classOf.map { labels in Dictionary(grouping: labels.indices, by: { labels[$0] }).sorted { $0.key < $1.key }.map(\.value) }
    }

    public func value(counts: [Int]) -> Double {
        guard let classes else { return r(x.indices, counts: counts) }
        let defined = classes.map { r($0, counts: counts) }.filter(\.isFinite)
        return defined.isEmpty ? .nan : defined.reduce(0, +) / Double(defined.count)
    }

    /// Weighted Pearson r of the candidates `rows`, each weighing its slot's count.
    func r<Rows: Sequence>(_ rows: Rows, counts: [Int]) -> Double where Rows.Element == Int {
        var w = 0.0, sx = 0.0, sy = 0.0
        for i in rows { let c = Double(counts[slotOf[i]]); w += c; sx += c * x[i]; sy += c * y[i] }
        guard w > 0 else { return .nan }
        let mx = sx / w, my = sy / w
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for i in rows {
            let c = Double(counts[slotOf[i]]), dx = x[i] - mx, dy = y[i] - my
            sxx += c * dx * dx; syy += c * dy * dy; sxy += c * dx * dy
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }
}

/// A paired difference `second − first` of two statistics of the same slots, evaluated on the
/// same resamples, so its interval carries only the uncertainty of the difference (two
/// correlations of one pool are positively correlated; separate intervals overstate it).
public struct ResampledDifference: ResampledStatistic {
    let first: any ResampledStatistic
    let second: any ResampledStatistic

    public init(first: any ResampledStatistic, second: any ResampledStatistic) {
        self.first = first
        self.second = second
    }

    public func value(counts: [Int]) -> Double { second.value(counts: counts) - first.value(counts: counts) }
}
