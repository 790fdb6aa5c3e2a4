/// A set of feature vectors: `rows` × `columns`, row-major, in Double (metrics accumulate in
/// Double, as numpy's `np.cov` and the reference implementations do).
public struct FeatureMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major values, `rows * columns` of them.
    public let values: [Double]

    /// Wraps `values`; the count must be `rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "FeatureMatrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Widens Float32 features (e.g. a network's outputs `[rows, columns]`).
    public init(rows: Int, columns: Int, floats: [Float]) {
        self.init(rows: rows, columns: columns, values: floats.map(Double.init))
    }

    /// The rows at `indices`, in that order.
    public func selecting(rows indices: [Int]) -> FeatureMatrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns)
        for i in indices { out.append(contentsOf: values[(i * columns)..<((i + 1) * columns)]) }
        return FeatureMatrix(rows: indices.count, columns: columns, values: out)
    }

    /// Throws unless the set has at least one row and column and every value is finite.
    /// `what` names the set in the error (a file name, "real features", …).
    public func validate(_ what: String) throws(MetricsError) {
        guard rows > 0, columns > 0 else { throw .empty(what: what) }
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(what: what, row: i / columns, column: i % columns)
        }
    }

    /// Throws unless `self` and `other` have the same width.
    public func requireSameWidth(as other: FeatureMatrix, _ what: String, _ otherWhat: String) throws(MetricsError) {
        guard columns == other.columns else {
            throw .widthMismatch(first: what, firstWidth: columns, second: otherWhat, secondWidth: other.columns)
        }
    }
}
