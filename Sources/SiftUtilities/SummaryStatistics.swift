/// Pearson's correlation coefficient of paired samples.
public enum Pearson {
    /// r = cov(x, y) / (σx σy), accumulated in Double around the means (two passes, so large
    /// offsets do not cancel). NaN when fewer than two pairs or either side is constant.
    public static func r(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "Pearson.r: \(x.count) x values, \(y.count) y values")
        guard x.count >= 2 else { return .nan }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0 && syy > 0 else { return .nan }
        return sxy / (sxx * syy).squareRoot()
    }
}

/// Mean and population standard deviation (ddof 0, numpy's default) of a list of values.
public struct MeanAndDeviation: Equatable, Sendable {
    public let mean: Double
    public let std: Double

    /// Two passes in Double; (NaN, NaN) for an empty list.
    public init(_ values: [Double]) {
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        let m = mean
        std = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
    }
}
