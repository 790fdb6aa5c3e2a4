/// Student's t distribution, for intervals over a few replicates.
public enum StudentT {
    /// The 0.975 quantile with `df` degrees of freedom (df ≥ 1; the normal 1.96 beyond 30).
    public static func quantile975(df: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        precondition(df >= 1, "StudentT: df must be positive")
        return df <= table.count ? table[df - 1] : 1.96
    }

    /// The mean of `values` with its 95 % t-interval (nil for fewer than two values).
    public static func meanInterval(_ values: [Double]) -> (mean: Double, low: Double, high: Double)? {
        guard values.count >= 2 else { return nil }
        let n = Double(values.count), mean = values.reduce(0, +) / n
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        let half = quantile975(df: values.count - 1) * sd / n.squareRoot()
        return (mean, mean - half, mean + half)
    }
}
