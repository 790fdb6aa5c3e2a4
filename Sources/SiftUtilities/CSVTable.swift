import Foundation

/// A numeric CSV table: an optional header line of names, then rows of comma-separated numbers
/// (blank lines and `#` comments skipped, any newline convention).
public struct CSVTable: Sendable, Equatable {
    /// Column names (nil when the file has no header line).
    public let header: [String]?
    public let rows: Int
    public let columns: Int
    /// Row-major values, NaN included: callers decide what a non-finite value means.
    public let values: [Double]

    /// Why a CSV table could not be read, naming the file and line.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let problem: String
        public var description: String { "\(path): \(problem)" }
    }

    /// Reads the table at `path`.
    public static func read(_ path: String) throws(Failure) -> CSVTable {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure(path: path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, path: path)
    }

    /// Parses CSV bytes (`path` names them in errors).
    public static func parse(_ data: Data, path: String) throws(Failure) -> CSVTable {
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(path: path, problem: "is not UTF-8 CSV text") }
        var values = [Double]()
        var columns: Int?
        var header: [String]?
        var rows = 0
        // Any newline: `\r\n` is one Character in Swift, so splitting on "\n" would miss it.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = cells.map { Double($0) }
            if rows == 0 && columns == nil && numbers.allSatisfy({ $0 == nil }) { columns = cells.count; header = cells; continue }
            for (c, n) in numbers.enumerated() where n == nil {
                throw Failure(path: path, problem: "line \(index + 1), column \(c + 1): '\(cells[c])' is not a number")
            }
            if let columns, columns != cells.count {
                throw Failure(path: path, problem: "line \(index + 1) has \(cells.count) values, earlier lines have \(columns)")
            }
            columns = cells.count
            values.append(contentsOf: numbers.map { $0! })
            rows += 1
        }
        return CSVTable(header: header, rows: rows, columns: rows == 0 ? 0 : columns ?? 0, values: values)
    }

    /// The values of column `c`, top to bottom.
    public func column(_ c: Int) -> [Double] { (0..<rows).map { values[$0 * columns + c] } }
}
