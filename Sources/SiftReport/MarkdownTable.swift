import Foundation

/// A Markdown table of an experiment's summary: its axes, NFE per sample and chosen metric
/// columns, each value with its 95 % interval where the cell has one (`v [low, high]`).
public enum MarkdownTable {
    /// The table of `rows` (summary rows, in order) with `columns` (summary columns).
    public static func render(_ rows: [[String: Any]], columns: [String], digits: Int = 2) -> String {
        let axes = Array(Set(rows.flatMap(\.keys))).filter { $0.hasPrefix("axis.") }.sorted()
        let header = axes.map { String($0.dropFirst("axis.".count)) } + ["NFE/sample"] + columns
        var lines = ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
        for row in rows {
            var cells = axes.map { row[$0].map { "\($0)" } ?? "" }
            cells.append(Report.number(row["ledger.nfe_per_sample"]).map { String(format: "%.0f", $0) } ?? "")
            for c in columns {
                guard let v = Report.number(row[c]) else { cells.append("—"); continue }
                let low = Report.number(row["\(c).ci_low"]), high = Report.number(row["\(c).ci_high"])
                let size = max(abs(v), abs(high ?? v))
                let d = size >= 100 ? max(digits - 1, 1) : digits + (size < 1 ? 1 : 0)
                if let low, let high {
                    cells.append(String(format: "%.\(d)f [%.\(d)f, %.\(d)f]", v, low, high))
                } else {
                    cells.append(String(format: "%.\(d)f", v))
                }
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
