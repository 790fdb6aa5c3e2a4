import Foundation

/// The Fig. 8 / Table 2 analogue: search verifier × evaluated metric, each cell the relative gain
/// over no search at one budget, from an experiment whose cells vary the verifier and the budget
/// and record held-out verifier scores (`held_out.<name>` columns).
public enum MatrixFigure {
    /// A metric column: a summary column and its label. `fid`, `is`, … use ``Report/yColumns``;
    /// any other name is a summary column (`held_out.clf-vit` is labelled `clf-vit`).
    static func column(_ name: String) -> (column: String, label: String, lowerIsBetter: Bool) {
        if let (column, _) = Report.yColumns[name] { return (column, Report.shortNames[name] ?? name, Report.lowerIsBetter.contains(name)) }
        let label = name.hasPrefix("held_out.") ? String(name.dropFirst("held_out.".count)) : name
        return (name, label, false)
    }

    /// Relative gain in percent of `value` over `base`, positive when better.
    public static func gain(_ value: Double, over base: Double, lowerIsBetter: Bool) -> Double {
        guard value.isFinite, base.isFinite, base != 0 else { return .nan }
        return (lowerIsBetter ? base - value : value - base) / abs(base) * 100
    }

    /// Writes `gain-matrix.svg` and `index.html` (with the raw values) into `out`.
    @discardableResult
    /// With `test` (the paired interval of a column between two cells), gains whose interval of
    /// searched − no search includes 0 are greyed.
    public static func build(results folder: URL, rowKey: String, budget: Int, metrics: [String], out: URL, title: String,
                             test: Report.PairedTest? = nil) throws -> [URL] {
        let rows = try Report.rows(folder)
        let columns = metrics.map(column)
        var order = [String](), byName = [String: [[String: Any]]]()
        for row in rows {
            guard let name = row[rowKey].map({ "\($0)" }) else { throw ReportError("\(folder.path): a cell has no '\(rowKey)' column") }
            if byName[name] == nil { order.append(name) }
            byName[name, default: []].append(row)
        }
        for c in columns where !rows.contains(where: { $0[c.column] != nil }) {
            let known = Set(rows.flatMap(\.keys)).filter { !$0.hasPrefix("axis.") && !$0.hasPrefix("ledger.") }.sorted()
            throw ReportError("\(folder.path): no cell has a '\(c.column)' value; columns: \(known.joined(separator: ", "))")
        }
        func budgetOf(_ row: [String: Any]) throws -> Int {
            guard let b = Report.number(row["budget"]) else { throw ReportError("\(folder.path): cell \(row["cell"] ?? "?") has no budget") }
            return Int(b)
        }
        // No search: the algorithm's own baseline, as recorded with the cell.
        func isNoSearch(_ row: [String: Any]) throws -> Bool {
            guard let flag = Report.flag(row["no_search"]) else {
                throw ReportError("\(folder.path): cell \(row["cell"] ?? "?") has no 'no_search' column; rerun the experiment to rebuild its summary")
            }
            return flag
        }
        var labels = [String](), values = [[Double]](), raw = [[Double]](), baseline: [Double]?
        var unresolved = Set<[Int]>(), rawIntervals = [[(low: Double, high: Double)?]]()
        for name in order {
            let cells = byName[name]!
            let atBudget = try cells.filter { try budgetOf($0) == budget && !isNoSearch($0) }, bases = try cells.filter(isNoSearch)
            guard atBudget.count == 1, bases.count == 1 else {
                throw ReportError("\(folder.path): '\(name)' needs exactly one cell at budget \(budget) and one without search; "
                                  + "has \(atBudget.count) and \(bases.count) — an experiment for a matrix varies only \(rowKey) and the budget")
            }
            let base = bases[0], searched = atBudget[0]
            let baseValues = columns.map { Report.number(base[$0.column]) ?? .nan }
            let searchedValues = columns.map { Report.number(searched[$0.column]) ?? .nan }
            baseline = baseline ?? baseValues
            if let test {
                for (j, c) in columns.enumerated() {
                    let a = PointDetail(cells: ["\(searched["cell"] ?? "")"]), b = PointDetail(cells: ["\(base["cell"] ?? "")"])
                    if let iv = test(c.column, a, b), iv.low <= 0 && iv.high >= 0 { unresolved.insert([labels.count, j]) }
                }
            }
            rawIntervals.append(columns.map { c in
                Report.number(searched["\(c.column).ci_low"]).flatMap { lo in Report.number(searched["\(c.column).ci_high"]).map { (lo, $0) } }
            })
            labels.append(name)
            raw.append(searchedValues)
            values.append(columns.indices.map { gain(searchedValues[$0], over: baseValues[$0], lowerIsBetter: columns[$0].lowerIsBetter) })
        }
        guard !labels.isEmpty else { throw ReportError("\(folder.path): no cells") }
        var plot = MatrixPlot(title: title, rowLabels: labels, columnLabels: columns.map(\.label), values: values, baseline: baseline)
        plot.unresolved = unresolved
        // A verifier's own column: its held-out score, or for an oracle of a metric with no such
        // column (fid-oracle) the metric itself.
        for (i, name) in labels.enumerated() {
            let own = columns.firstIndex { $0.label == name } ?? metrics.firstIndex { "\($0)-oracle" == name }
            if let j = own { plot.outlined.insert([i, j]) }
        }
        plot.note = "Relative gain over no search at budget \(budget) (positive = better; FID sign flipped). Outlined: the search verifier scoring its own picks."
            + (test == nil ? "" : " Grey: the paired 95 % interval of the difference includes 0.")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let svg = out.appendingPathComponent("gain-matrix.svg")
        try Report.write(Data(plot.svg().utf8), to: svg)

        var table = "<h2>Values</h2>\n<table>\n<tr><th>search verifier</th>" + columns.map { "<th>\(escape($0.label))</th>" }.joined() + "</tr>\n"
        func cell(_ v: Double) -> String { v.isFinite ? String(format: abs(v) >= 100 ? "%.1f" : "%.4f", v) : "—" }
        if let baseline { table += "<tr><td>no search</td>" + baseline.map { "<td>\(cell($0))</td>" }.joined() + "</tr>\n" }
        for (i, name) in labels.enumerated() {
            table += "<tr><td>\(escape(name))</td>" + raw[i].enumerated().map { j, v in
                let interval = rawIntervals[i][j].map { " <small>[\(cell($0.low)), \(cell($0.high))]</small>" } ?? ""
                return "<td>\(cell(v))\(interval) (\(MatrixPlot.percent(values[i][j]))\(unresolved.contains([i, j]) ? ", n.s." : ""))</td>"
            }.joined() + "</tr>\n"
        }
        table += "</table>\n"
        let html = out.appendingPathComponent("index.html")
        try Report.write(Data(Report.simplePage(title: title, intro: "Search verifier (rows) × evaluated metric (columns) from \(Report.relativePath(from: out, to: folder)), budget \(budget).",
                                                plots: [(svg.lastPathComponent, "Relative gain over no search")], tables: table).utf8), to: html)
        return [svg, html]
    }
}
