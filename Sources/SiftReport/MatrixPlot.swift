import Foundation

/// A plain-SVG heat-map table: one row per search verifier, one column per evaluated metric,
/// each cell the relative gain (%) over no search, coloured by sign (blue better, orange worse)
/// with strength scaled per column; an optional first row of raw no-search values; cells where
/// the metric is the search verifier itself (not held out) are outlined.
public struct MatrixPlot: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`, in percent; NaN is drawn as an empty grey cell.
    public var values: [[Double]]
    /// Raw no-search values per column, shown as a first row (nil: no such row).
    public var baseline: [Double]?
    /// Cells to outline, as (row, column).
    public var outlined: Set<[Int]> = []
    /// Cells `[row, column]` whose gain is not significant (its paired interval includes 0): grey.
    public var unresolved: Set<[Int]> = []
    public var note = ""

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], baseline: [Double]? = nil) {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count }, "MatrixPlot: values must be rows × columns")
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.baseline = baseline
    }

    static let cellWidth = 118.0, cellHeight = 34.0, top = 70.0

    /// Width of the row-label column, sized to the longest label.
    var labelWidth: Double { max(120, 7 * Double((rowLabels + ["no search"]).map(\.count).max() ?? 0) + 20) }
    public var width: Double { max(labelWidth + Self.cellWidth * Double(columnLabels.count) + 20, 7.5 * Double(title.count) + 40) }
    public var height: Double {
        let noteLines = LinePlot.wrap(note, width: max(40, Int(Self.cellWidth * Double(columnLabels.count) / 6))).count
        return Self.top + Self.cellHeight * Double(rowLabels.count + (baseline == nil ? 0 : 1)) + 36 + 14 * Double(max(noteLines, 1))
    }

    /// Fill of a gain `v` in a column whose largest |gain| is `scale`.
    static func fill(_ v: Double, scale: Double) -> String {
        guard v.isFinite else { return "rgb(238,238,238)" }
        let strength = scale > 0 ? min(abs(v) / scale, 1) : 0
        let (r, g, b) = v >= 0 ? (0.0, 114.0, 178.0) : (213.0, 94.0, 0.0)
        func mix(_ c: Double) -> Int { Int((255 + (c - 255) * 0.75 * strength).rounded()) }
        return "rgb(\(mix(r)),\(mix(g)),\(mix(b)))"
    }

    /// Text of a gain: sign and one decimal.
    static func percent(_ v: Double) -> String { v.isFinite ? String(format: "%+.1f%%", v) : "—" }

    public func svg() -> String {
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = [#"<?xml version="1.0" encoding="UTF-8"?>"#,
                   #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(f(width))" height="\#(f(height))" viewBox="0 0 \#(f(width)) \#(f(height))" font-family="sans-serif" font-size="13">"#,
                   #"<rect width="100%" height="100%" fill="white"/>"#,
                   #"<text x="\#(f(width / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\#(escape(title))</text>"#]
        let x0 = labelWidth, w = Self.cellWidth, h = Self.cellHeight
        for (j, label) in columnLabels.enumerated() {
            out.append(#"<text x="\#(f(x0 + w * (Double(j) + 0.5)))" y="\#(f(Self.top - 10))" text-anchor="middle" font-weight="bold">\#(escape(label))</text>"#)
        }
        var y = Self.top
        if let baseline {
            out.append(#"<text x="\#(f(x0 - 10))" y="\#(f(y + h / 2 + 4))" text-anchor="end" fill="rgb(85,85,85)">no search</text>"#)
            for (j, v) in baseline.enumerated() {
                let x = x0 + w * Double(j)
                out.append(#"<rect x="\#(f(x))" y="\#(f(y))" width="\#(f(w))" height="\#(f(h))" fill="rgb(247,247,247)" stroke="white"/>"#)
                out.append(#"<text x="\#(f(x + w / 2))" y="\#(f(y + h / 2 + 4))" text-anchor="middle" fill="rgb(85,85,85)">\#(v.isFinite ? String(format: abs(v) >= 100 ? "%.1f" : "%.3f", v) : "—")</text>"#)
            }
            y += h
        }
        let scales = columnLabels.indices.map { j in values.map { abs($0[j]) }.filter(\.isFinite).max() ?? 0 }
        for (i, label) in rowLabels.enumerated() {
            out.append(#"<text x="\#(f(x0 - 10))" y="\#(f(y + h / 2 + 4))" text-anchor="end">\#(escape(label))</text>"#)
            for (j, v) in values[i].enumerated() {
                let x = x0 + w * Double(j)
                let grey = unresolved.contains([i, j])
                out.append(#"<rect x="\#(f(x))" y="\#(f(y))" width="\#(f(w))" height="\#(f(h))" fill="\#(grey ? "rgb(225,225,225)" : Self.fill(v, scale: scales[j]))" stroke="white"/>"#)
                if outlined.contains([i, j]) {
                    out.append(#"<rect x="\#(f(x + 2))" y="\#(f(y + 2))" width="\#(f(w - 4))" height="\#(f(h - 4))" fill="none" stroke="rgb(0,0,0)" stroke-width="1.5"/>"#)
                }
                let strong = !grey && v.isFinite && scales[j] > 0 && abs(v) / scales[j] > 0.7
                out.append(#"<text x="\#(f(x + w / 2))" y="\#(f(y + h / 2 + 4))" text-anchor="middle"\#(strong ? #" fill="white""# : grey ? #" fill="rgb(120,120,120)""# : "")>\#(Self.percent(v))</text>"#)
            }
            y += h
        }
        // The note in lines of the cells' width (about 6 px per character at 11 px).
        for (k, line) in LinePlot.wrap(note, width: max(40, Int(w * Double(columnLabels.count) / 6))).enumerated() {
            out.append(#"<text x="\#(f(x0))" y="\#(f(y + 24 + 14 * Double(k)))" font-size="11" fill="rgb(85,85,85)">\#(escape(line))</text>"#)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
