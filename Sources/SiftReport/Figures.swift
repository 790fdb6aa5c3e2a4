import Foundation
import Yams

/// `Analysis/figures.yaml`: the declared figures, rebuilt by `sift report --figures FILE`. Kinds:
/// - `lines` (default): a report of one experiment's results (metrics `y` against compute `x`,
///   optional dashed baseline experiment, optional crossover marks);
/// - `scatter`: per-candidate scores from a CSV (`results`), column `x` against each of `y`,
///   with Pearson's r;
/// - `matrix`: search verifier (`rows`, a summary column) × metric (`y`) relative gains at `budget`.
public struct FigureSpec: Codable, Equatable, Sendable {
    /// Output folder name under the figures file's folder (`Analysis/<name>/`).
    public var name: String
    public var kind: String?
    /// The experiment's results folder, or the CSV of a scatter (relative to the working directory).
    public var results: String
    public var baseline: String?
    public var baselineName: String?
    public var x: String?
    public var y: [String]?
    public var series: String?
    public var title: String?
    public var markCrossovers: Bool?
    /// Matrix: the summary column naming each row, and the budget compared with no search.
    public var rows: String?
    public var budget: Int?

    public static let kinds = ["lines", "scatter", "matrix"]

    enum CodingKeys: String, CodingKey {
        case name, kind, results, baseline, x, y, series, title, rows, budget
        case baselineName = "baseline_name"
        case markCrossovers = "mark_crossovers"
    }

    /// Reads `figures:` from a YAML file, naming the file and entry on errors.
    public static func load(_ path: String) throws -> [FigureSpec] {
        struct File: Codable { var figures: [FigureSpec] }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ReportError("\(path): cannot read (\(error.localizedDescription))")
        }
        do { return try YAMLDecoder().decode(File.self, from: text).figures } catch {
            throw ReportError("\(path): not a figures file (a 'figures:' list of {name, kind?, results, baseline?, baseline_name?, x?, y?, series?, title?, mark_crossovers?, rows?, budget?}): \(error)")
        }
    }

    /// Builds this figure into `<root>/<name>/`; `test` resolves crossover marks and greys
    /// unresolved matrix cells (see ``Report/PairedTest``).
    @discardableResult
    public func build(root: URL, test: Report.PairedTest? = nil) throws -> [URL] {
        let out = root.appendingPathComponent(name)
        switch kind ?? "lines" {
        case "lines": break
        case "scatter":
            guard let x, let y, !y.isEmpty else { throw ReportError("figure '\(name)': a scatter needs x (a column) and y (a list of columns)") }
            return try ScatterFigure.build(csv: URL(fileURLWithPath: results), x: x, ys: y, out: out, title: title ?? name)
        case "matrix":
            guard let rows, let budget, let y, !y.isEmpty else { throw ReportError("figure '\(name)': a matrix needs rows, budget and y (the metrics)") }
            return try MatrixFigure.build(results: URL(fileURLWithPath: results), rowKey: rows, budget: budget, metrics: y, out: out, title: title ?? name,
                                          test: test)
        case let other: throw ReportError("figure '\(name)': unknown kind '\(other)'; valid kinds: \(Self.kinds.joined(separator: ", "))")
        }
        var options = Report.Options()
        if let x { options.x = x }
        if let y { options.y = y }
        options.series = series
        options.baseline = baseline.map { URL(fileURLWithPath: $0) }
        if let baselineName { options.baselineName = baselineName }
        options.title = title
        options.markCrossovers = markCrossovers ?? false
        options.pairedTest = test
        return try Report.build(results: URL(fileURLWithPath: results), out: out, options: options)
    }
}
