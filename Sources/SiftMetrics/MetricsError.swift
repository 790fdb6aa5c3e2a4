/// Why a metric could not be computed, naming the input at fault.
public enum MetricsError: Error, CustomStringConvertible, Equatable {
    /// A feature set with no rows or no columns.
    case empty(what: String)
    /// Two feature sets whose widths differ.
    case widthMismatch(first: String, firstWidth: Int, second: String, secondWidth: Int)
    /// A NaN or infinity at a row and column.
    case nonFinite(what: String, row: Int, column: Int)
    /// Too few rows for the requested computation.
    case tooFew(what: String, rows: Int, needed: Int, purpose: String)
    /// A parameter outside its valid range.
    case badParameter(name: String, value: String, expected: String)
    /// LAPACK reported failure.
    case lapack(routine: String, info: Int)

    public var description: String {
        switch self {
        case .empty(let what): return "\(what) is empty: it needs at least one row and one column"
        case let .widthMismatch(a, wa, b, wb):
            return "feature widths differ: \(a) has \(wa) columns, \(b) has \(wb)"
        case let .nonFinite(what, row, column):
            return "\(what) has a non-finite value at row \(row), column \(column)"
        case let .tooFew(what, rows, needed, purpose):
            return "\(what) has \(rows) rows; \(purpose) needs at least \(needed)"
        case let .badParameter(name, value, expected): return "\(name) = \(value) is invalid: expected \(expected)"
        case let .lapack(routine, info): return "LAPACK \(routine) failed (info = \(info))"
        }
    }
}
