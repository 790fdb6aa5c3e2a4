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
                cells.append(format(v, low: Report.number(row["\(c).ci_low"]), high: Report.number(row["\(c).ci_high"]), digits: digits))
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table of `rows` with the cells that differ only in their seed merged into one line:
    /// each column's mean over the seeds with its 95 % t-interval across seeds (a lone seed keeps
    /// its bootstrap interval), and the number of seeds.
    public static func renderSeedMeans(_ rows: [[String: Any]], columns: [String], digits: Int = 2) -> String {
        let axes = Array(Set(rows.flatMap(\.keys))).filter { $0.hasPrefix("axis.") && $0 != "axis.seed" }.sorted()
        let header = axes.map { String($0.dropFirst("axis.".count)) } + ["seeds", "NFE/sample"] + columns
        var lines = ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
        var order = [String](), groups = [String: [[String: Any]]]()
        for row in rows {
            let key = axes.map { "\(row[$0] ?? "")" }.joined(separator: "\u{1F}")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        for key in order {
            let group = groups[key]!
            var cells = axes.map { group[0][$0].map { "\($0)" } ?? "" }
            cells.append("\(group.count)")
            cells.append(Report.number(group[0]["ledger.nfe_per_sample"]).map { String(format: "%.0f", $0) } ?? "")
            for c in columns {
                // The plotted point's rule (Report.point): mean and t-interval over seeds, or the lone cell's bootstrap interval.
                guard group.allSatisfy({ Report.number($0[c]) != nil && Report.number($0["ledger.nfe_per_sample"]) != nil }) else {
                    cells.append("—"); continue
                }
                let point = Report.point(group, x: "ledger.nfe_per_sample", metric: c)
                cells.append(format(point.y, low: point.detail.low, high: point.detail.high, digits: digits))
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `v [low, high]` (or `v`), with more digits for small values and fewer for large ones.
    static func format(_ v: Double, low: Double?, high: Double?, digits: Int) -> String {
        let size = max(abs(v), abs(high ?? v))
        let d = size >= 100 ? max(digits - 1, 1) : digits + (size < 1 ? 1 : 0)
        if let low, let high { return String(format: "%.\(d)f [%.\(d)f, %.\(d)f]", v, low, high) }
        return String(format: "%.\(d)f", v)
    }
}
