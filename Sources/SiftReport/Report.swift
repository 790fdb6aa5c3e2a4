import Foundation
import SiftUtilities

/// Plots and an HTML page from an experiment's `summary.jsonl` (written by `sift run`).
public enum Report {
    /// What to plot.
    public struct Options: Sendable {
        /// `nfe` (total denoiser NFE per sample, the paper's axis) or `gflops` (GFLOPs per sample).
        public var x = "nfe"
        /// Metrics: fid, is, kid, precision, recall, score, class_fid.
        public var y = ["fid", "is"]
        /// Summary column that names each series; default: every axis except the budget axes.
        public var series: String?
        /// Another experiment folder drawn as a dashed baseline series.
        public var baseline: URL?
        public var baselineName = "more denoising steps"
        public var title: String?
        /// Circle where a cheaper series (a smaller model) with search first beats a costlier
        /// series' no-search point (its cheapest point) — resolved by ``pairedTest`` when given.
        public var markCrossovers = false
        /// The paired 95 % interval of `metric(a) − metric(b)` for two plotted points (nil when the
        /// two cannot be compared), for crossover marks; points of replicated seeds are compared
        /// across seeds instead.
        public var pairedTest: PairedTest?
        public init() {}
    }

    /// The paired interval of `column(a) − column(b)` between the cells of two points.
    public typealias PairedTest = @Sendable (_ column: String, _ a: PointDetail, _ b: PointDetail) -> (low: Double, high: Double)?

    /// The across-seed paired 95 % t-interval of a − b, when both points are replicated over at
    /// least two common seeds.
    public static func seedPairedInterval(_ a: PointDetail, _ b: PointDetail) -> (low: Double, high: Double)? {
        let seeds = Set(a.seedValues.keys).intersection(b.seedValues.keys).sorted()
        guard let t = StudentT.meanInterval(seeds.map { a.seedValues[$0]! - b.seedValues[$0]! }) else { return nil }
        return (t.low, t.high)
    }

    /// Metrics where lower is better.
    static let lowerIsBetter: Set<String> = ["fid", "kid", "class_fid", "fid_inf"]

    /// For each pair of series where A's cheapest point costs less than B's and is worse than
    /// B's cheapest (no-search) point, the first point of A (by x) that beats B's cheapest point;
    /// one mark per point ("A with search beats B, C without"). With `test` (the paired interval
    /// of A's point minus B's for `column`), a point beats B only when that interval excludes 0 in
    /// the better direction; when no point of A does, a note says the two are not separated.
    public static func crossovers(_ series: [PlotSeries], lowerIsBetter: Bool, column: String = "",
                                  test: ((PointDetail, PointDetail) -> (low: Double, high: Double)?)? = nil) -> (marks: [PlotMark], notes: [String]) {
        func drawable(_ s: PlotSeries) -> [(x: Double, y: Double, detail: PointDetail)] {
            s.points.indices.filter { s.points[$0].x.isFinite && s.points[$0].y.isFinite }
                .map { (s.points[$0].x, s.points[$0].y, $0 < s.details.count ? s.details[$0] : PointDetail()) }.sorted { $0.x < $1.x }
        }
        func beats(_ a: Double, _ b: Double) -> Bool { lowerIsBetter ? a < b : a > b }
        func separated(_ iv: (low: Double, high: Double)) -> Bool { lowerIsBetter ? iv.high < 0 : iv.low > 0 }
        var marks = [PlotMark](), notes = [String]()
        for a in series where !a.dashed {
            let pa = drawable(a)
            guard let a0 = pa.first else { continue }
            var beaten = [(x: Double, y: Double, name: String)]()
            for b in series where b.name != a.name && !b.dashed {
                guard let b0 = drawable(b).first, a0.x < b0.x, !beats(a0.y, b0.y) else { continue }
                let candidates = pa.filter { beats($0.y, b0.y) }
                guard let first = candidates.first else { continue }
                guard let test else { beaten.append((first.x, first.y, b.name)); continue }
                let tested = candidates.map { p in (p, seedPairedInterval(p.detail, b0.detail) ?? test(p.detail, b0.detail)) }
                if let win = tested.first(where: { $0.1.map(separated) == true }) {
                    beaten.append((win.0.x, win.0.y, b.name))
                } else if let iv = tested.first?.1 {
                    notes.append(String(format: "%@ with search vs %@ without: not separated (Δ %@ 95%% interval [%.3g, %.3g] at %.0f)",
                                        a.name, b.name, column, iv.low, iv.high, first.x))
                } else {
                    notes.append("\(a.name) with search vs \(b.name) without: not compared (no paired data)")
                }
            }
            var points = [(x: Double, y: Double)]()
            for w in beaten where !points.contains(where: { $0 == (w.x, w.y) }) { points.append((w.x, w.y)) }
            for p in points {
                let names = beaten.filter { $0.x == p.x && $0.y == p.y }.map(\.name)
                marks.append(PlotMark(x: p.x, y: p.y, label: "\(a.name) with search beats \(names.joined(separator: ", ")) without"))
            }
        }
        return (marks, notes)
    }

    public static let xColumns = ["nfe": ("ledger.nfe_per_sample", "Inference compute (NFE per sample, log scale)"),
                                  "gflops": ("ledger.gflops_per_sample", "Inference compute (GFLOPs per sample, log scale)"),
                                  "nfe_equivalent": ("ledger.nfe_equivalent_per_sample",
                                                     "Compute (NFE-equivalent per sample: backward passes at their measured cost, log scale)"),
                                  "seconds": ("ledger.seconds_per_sample", "Wall seconds per sample, verifier included (log scale)")]
    public static let yColumns = ["fid": ("fid", "FID ↓ (eval-cnn features)"), "is": ("is_mean", "Inception Score ↑ (eval-cnn)"),
                                  "kid": ("kid_mean", "KID ↓"), "precision": ("precision", "Precision ↑"), "recall": ("recall", "Recall ↑"),
                                  "score": ("score.mean", "Mean verifier score ↑"), "class_fid": ("class_fid", "Per-class FID ↓"),
                                  "fid_inf": ("fid_inf", "FID∞ ↓ (1/n-extrapolated)")]
    /// The summary column and axis label of a y metric: one of ``yColumns``, or `held_out.<verifier>`
    /// (the mean score of a verifier the search did not use).
    public static func yColumn(_ metric: String) -> (String, String)? {
        if let known = yColumns[metric] { return known }
        guard metric.hasPrefix(heldOutPrefix), metric.count > heldOutPrefix.count else { return nil }
        return (metric, "Held-out \(metric.dropFirst(heldOutPrefix.count)) score ↑ (not the search's verifier)")
    }

    static let heldOutPrefix = "held_out."

    static let shortNames = ["fid": "FID", "is": "IS", "kid": "KID", "precision": "precision", "recall": "recall",
                             "score": "verifier score", "class_fid": "per-class FID", "fid_inf": "FID∞"]
    /// Whether summary column `key` of `row` is an x position, not a series: the budget axis its
    /// algorithm recorded (`budget_name`), or the final steps (the steps-only baseline).
    static func isBudgetAxis(_ key: String, of row: [String: Any]) -> Bool {
        key == "axis.sampler.final_steps" || row["budget_name"].map { key == "axis.algorithm.\($0)" } == true
    }

    /// A yes/no column (`no_search`): JSON true/false, or their text.
    static func flag(_ v: Any?) -> Bool? {
        if let b = v as? Bool { return b }
        if let s = v as? String { return ["true": true, "false": false][s] }
        return nil
    }

    /// Rows of `<folder>/summary.jsonl`.
    public static func rows(_ folder: URL) throws -> [[String: Any]] {
        let url = folder.appendingPathComponent("summary.jsonl")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportError("\(url.path): cannot read (run the experiment first)")
        }
        return try rows(data: data, source: url.path)
    }

    /// Rows of summary.jsonl bytes (`source` names them in errors): one JSON object per line, LF
    /// or CRLF line ends (a file edited on Windows), blank lines skipped.
    public static func rows(data: Data, source: String) throws -> [[String: Any]] {
        guard let text = String(data: data, encoding: .utf8) else { throw ReportError("\(source): is not UTF-8 text") }
        var rows = [[String: Any]]()
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ReportError("\(source):\(i + 1): not a JSON object")
            }
            rows.append(row)
        }
        return rows
    }

    /// Series of (x, y) for `metric` from `rows`, grouped by the series key, each point with its
    /// interval (`<metric>.ci_low/high`) and cell. Rows that differ only in `axis.seed` are one
    /// point: the mean over seeds with its 95 % t-interval across seeds.
    public static func series(_ rows: [[String: Any]], x: String, metric: String, seriesKey: String?) -> [PlotSeries] {
        var order = [String](), groups = [String: [String: [[String: Any]]]](), pointOrder = [String: [String]]()
        for row in rows {
            guard number(row[x]) != nil, number(row[metric]) != nil else { continue }
            let name = seriesName(row, key: seriesKey)
            let replicate = row.keys.filter { $0.hasPrefix("axis.") && $0 != "axis.seed" }.sorted().map { "\($0)=\(row[$0]!)" }.joined(separator: ";")
                + "|\(row["algorithm"] ?? "")|\(row["budget"] ?? "")"
            if groups[name] == nil { order.append(name) }
            if groups[name]?[replicate] == nil { pointOrder[name, default: []].append(replicate) }
            groups[name, default: [:]][replicate, default: []].append(row)
        }
        return order.map { name in
            let points = pointOrder[name]!.map { point(groups[name]![$0]!, x: x, metric: metric) }.sorted { $0.x < $1.x }
            return PlotSeries(name: name, points: points.map { ($0.x, $0.y) }, details: points.map(\.detail))
        }
    }

    /// One plotted point from its rows (one cell, or one per seed).
    static func point(_ rows: [[String: Any]], x: String, metric: String) -> (x: Double, y: Double, detail: PointDetail) {
        let xs = rows.map { number($0[x])! }, ys = rows.map { number($0[metric])! }
        let cells = rows.map { "\($0["cell"] ?? "")" }
        if rows.count == 1 {
            return (xs[0], ys[0], PointDetail(low: number(rows[0]["\(metric).ci_low"]), high: number(rows[0]["\(metric).ci_high"]), cells: cells))
        }
        let seeds = Dictionary(rows.enumerated().map { ("\($0.element["axis.seed"] ?? $0.offset)", ys[$0.offset]) }, uniquingKeysWith: { a, _ in a })
        let t = StudentT.meanInterval(ys)
        return (xs.reduce(0, +) / Double(xs.count), t?.mean ?? ys[0], PointDetail(low: t?.low, high: t?.high, cells: cells, seedValues: seeds))
    }

    /// What the error bars of `series` are, for the caption (nil without bars).
    static func caption(_ series: [PlotSeries]) -> String? {
        let details = series.flatMap(\.details).filter { $0.low != nil }
        guard !details.isEmpty else { return nil }
        if let replicated = details.map(\.seedValues.count).max(), replicated >= 2 {
            return "bars: mean ± 95 % t-interval over \(replicated) seeds"
        }
        return "bars: 95 % bootstrap interval of each cell (bias-shifted percentile over class-stratified sample slots)"
    }

    static func seriesName(_ row: [String: Any], key: String?) -> String {
        if let key { return "\(row[key].map { "\($0)" } ?? "?")" }
        let parts = row.keys.filter { $0.hasPrefix("axis.") && $0 != "axis.seed" && !isBudgetAxis($0, of: row) }.sorted().map { k in
            "\(k.dropFirst("axis.".count).split(separator: ".").last!)=\(row[k]!)"
        }
        return parts.isEmpty ? "\(row["algorithm"] ?? "") search".trimmingCharacters(in: .whitespaces) : parts.joined(separator: " ")
    }

    static func number(_ v: Any?) -> Double? {
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let s = v as? String { return Double(s) }
        return nil
    }

    /// Writes one SVG per metric and `index.html` into `out`; returns the files written.
    @discardableResult
    public static func build(results folder: URL, out: URL, options: Options) throws -> [URL] {
        guard let (xColumn, xLabel) = xColumns[options.x] else { throw ReportError("--x must be one of \(xColumns.keys.sorted().joined(separator: ", ")), got '\(options.x)'") }
        let rows = try self.rows(folder)
        if let key = options.series, !rows.contains(where: { $0[key] != nil }) {
            let columns = Set(rows.flatMap(\.keys)).filter { $0.hasPrefix("axis.") || ["algorithm", "budget_name"].contains($0) }.sorted()
            throw ReportError("--series '\(key)' is not a column of \(folder.path)/summary.jsonl; series columns: \(columns.joined(separator: ", "))")
        }
        let baselineRows = try options.baseline.map { try self.rows($0) } ?? []
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var written = [URL]()
        var plots = [(String, String)]()
        let name = folder.lastPathComponent
        for metric in options.y {
            guard let (column, label) = yColumn(metric) else {
                throw ReportError("unknown metric '\(metric)'; choose from \(yColumns.keys.sorted().joined(separator: ", ")) or held_out.<verifier>")
            }
            var series = self.series(rows, x: xColumn, metric: column, seriesKey: options.series)
            if !baselineRows.isEmpty {
                let parts = self.series(baselineRows, x: xColumn, metric: column, seriesKey: "algorithm")
                let joined = zip(parts.flatMap(\.points), parts.flatMap(\.details)).sorted { $0.0.x < $1.0.x }
                series.append(PlotSeries(name: options.baselineName, points: joined.map(\.0), dashed: true, details: joined.map(\.1)))
            }
            var plot = LinePlot(title: "\(options.title ?? name): \(shortNames[metric] ?? metric) vs compute",
                                xLabel: xLabel, yLabel: label, series: series)
            plot.caption = caption(series)
            if options.markCrossovers {
                let test = options.pairedTest.map { t in { (a: PointDetail, b: PointDetail) in t(column, a, b) } }
                (plot.marks, plot.notes) = crossovers(series, lowerIsBetter: lowerIsBetter.contains(metric), column: column, test: test)
            }
            let file = out.appendingPathComponent("\(metric)-vs-\(options.x).svg")
            try write(Data(plot.svg().utf8), to: file)
            written.append(file)
            plots.append((file.lastPathComponent, label))
        }
        let html = out.appendingPathComponent("index.html")
        try write(Data(page(name: name, plots: plots, rows: rows, results: folder, out: out).utf8), to: html)
        written.append(html)
        return written
    }

    static func write(_ data: Data, to url: URL) throws {
        do { try writeFileAtomically(data, to: url) } catch { throw ReportError("\(url.path): cannot write (\(error.reason))") }
    }

    /// The HTML page: the plots, a table of the cells and each cell's sample grid.
    static func page(name: String, plots: [(String, String)], rows: [[String: Any]], results: URL, out: URL) -> String {
        let columns = Array(Set(rows.flatMap(\.keys))).filter { $0.hasPrefix("axis.") }.sorted()
            + ["ledger.nfe_per_sample", "ledger.gflops_per_sample", "score.mean", "fid", "is_mean", "kid_mean", "precision", "recall"]
        var html = head(title: name)
            + "<p>\(rows.count) cells. Plots use the total denoiser NFE (search + final) or GFLOPs per sample on a log axis. "
            + "Brackets and error bars: 95 % bootstrap intervals of each cell (bias-shifted percentile over class-stratified sample slots), "
            + "or over seeds where cells are replicated.</p>\n"
            + images(plots)
        html += "<h2>Cells</h2>\n<table>\n<tr><th>cell</th>" + columns.map { "<th>\(escape($0))</th>" }.joined() + "<th>samples</th></tr>\n"
        for row in rows {
            let cell = "\(row["cell"] ?? "")"
            let image = relativePath(from: out, to: results.appendingPathComponent(cell).appendingPathComponent("samples.png"))
            html += "<tr><td>\(escape(cell))</td>" + columns.map { c -> String in
                guard let v = row[c] else { return "<td></td>" }
                if let d = number(v), !(v is String) {
                    func text(_ d: Double) -> String {
                        d == d.rounded() && abs(d) < 1e9 ? String(format: "%.0f", d) : String(format: abs(d) >= 100 ? "%.1f" : "%.3f", d)
                    }
                    // With its interval when the cell has one: "value [low, high]".
                    guard let low = number(row["\(c).ci_low"]), let high = number(row["\(c).ci_high"]) else { return "<td>\(text(d))</td>" }
                    return "<td>\(text(d)) <small>[\(text(low)), \(text(high))]</small></td>"
                }
                return "<td>\(escape("\(v)"))</td>"
            }.joined() + "<td><img class=\"grid\" src=\"\(escape(image))\" alt=\"samples of \(escape(cell))\"></td></tr>\n"
        }
        html += "</table>\n</body></html>\n"
        return html
    }

    /// The page's head, style and title heading (the body stays open).
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) — Sift report</title>
        <style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}
        td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f3f3f3}img.plot{max-width:100%;margin:8px 0}
        img.grid{image-rendering:pixelated;max-width:360px}</style></head><body>
        <h1>\(escape(title))</h1>

        """
    }

    /// One heading and image per plot `(file, label)`.
    static func images(_ plots: [(String, String)]) -> String {
        plots.map { file, label in "<h2>\(escape(label))</h2>\n<img class=\"plot\" src=\"\(escape(file))\" alt=\"\(escape(label))\">\n" }.joined()
    }

    /// A page of plots and ready-made HTML tables (for scatter and matrix figures).
    static func simplePage(title: String, intro: String, plots: [(String, String)], tables: String) -> String {
        head(title: title) + "<p>\(escape(intro))</p>\n" + images(plots) + tables + "</body></html>\n"
    }

    /// A relative path from folder `from` to file `to` (both absolute after standardising).
    static func relativePath(from: URL, to: URL) -> String {
        let a = from.standardizedFileURL.pathComponents, b = to.standardizedFileURL.pathComponents
        var common = 0
        while common < min(a.count, b.count) && a[common] == b[common] { common += 1 }
        return (Array(repeating: "..", count: a.count - common) + b[common...]).joined(separator: "/")
    }
}

public struct ReportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
