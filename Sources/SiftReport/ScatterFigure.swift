import Foundation
import SiftUtilities

/// Scatter plots of paired per-candidate scores from a CSV file (header row, one candidate per
/// line, written by `sift correlate`), each titled with Pearson's r.
public enum ScatterFigure {
    /// Columns of `csv` by name (read by ``CSVTable``); the file needs a header line and at
    /// least two rows, and every requested column must exist.
    public static func columns(_ csv: URL, _ names: [String]) throws -> [String: [Double]] {
        let m: CSVTable
        do { m = try CSVTable.read(csv.path) } catch { throw ReportError("\(error)") }
        guard let header = m.header else { throw ReportError("\(csv.path): no header line naming the columns") }
        guard m.rows >= 2 else { throw ReportError("\(csv.path): needs a header and at least two rows, has \(m.rows) row(s)") }
        var out = [String: [Double]]()
        for name in names {
            guard let column = header.firstIndex(of: name) else {
                throw ReportError("\(csv.path): no column '\(name)'; columns: \(header.joined(separator: ", "))")
            }
            out[name] = m.column(column)
        }
        return out
    }

    /// One SVG per y column (`<y>-vs-<x>.svg`) and `index.html`; returns the files written.
    @discardableResult
    public static func build(csv: URL, x: String, ys: [String], out: URL, title: String) throws -> [URL] {
        let data = try columns(csv, [x] + ys)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var written = [URL](), plots = [(String, String)]()
        for y in ys {
            let xs = data[x]!, yv = data[y]!
            let r = Pearson.r(xs, yv)
            let series = PlotSeries(name: "candidates (n = \(xs.count))", points: Array(zip(xs, yv)).map { (x: $0.0, y: $0.1) }, connected: false)
            let plot = LinePlot(title: String(format: "%@: %@ vs %@, r = %.3f", title, y, x, r),
                                xLabel: "\(x) score", yLabel: "\(y) score", series: [series], logX: false)
            // Names such as `self-similarity:clf-mlp` would read as a URL scheme in the page.
            let file = out.appendingPathComponent("\(y)-vs-\(x).svg".replacingOccurrences(of: ":", with: "_"))
            try Report.write(Data(plot.svg().utf8), to: file)
            written.append(file)
            plots.append((file.lastPathComponent, String(format: "%@ against %@: Pearson r = %.4f over %d candidates", y, x, r, xs.count)))
        }
        let html = out.appendingPathComponent("index.html")
        try Report.write(Data(Report.simplePage(title: title, intro: "Scores of one candidate pool (\(csv.lastPathComponent)).", plots: plots, tables: "").utf8), to: html)
        return written + [html]
    }
}
