import Foundation

/// One line of a plot.
public struct PlotSeries: Sendable {
    public var name: String
    /// (x, y) points; non-finite values and, on a log axis, x ≤ 0 are skipped.
    public var points: [(x: Double, y: Double)]
    /// A dashed baseline (e.g. "more denoising steps").
    public var dashed: Bool
    /// Points joined by a line (false: a scatter of small translucent markers).
    public var connected: Bool
    /// What stands behind each point (same order as ``points``, or empty): its interval, drawn as
    /// an error bar, and the cells it comes from.
    public var details: [PointDetail]
    public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, connected: Bool = true, details: [PointDetail] = []) {
        precondition(details.isEmpty || details.count == points.count, "PlotSeries: \(details.count) details for \(points.count) points")
        self.name = name
        self.points = points
        self.dashed = dashed
        self.connected = connected
        self.details = details
    }

    /// The interval of point `i`, if any.
    func bar(_ i: Int) -> (low: Double, high: Double)? {
        guard i < details.count, let low = details[i].low, let high = details[i].high, low.isFinite, high.isFinite else { return nil }
        return (low, high)
    }
}

/// The interval and provenance of one plotted point.
public struct PointDetail: Sendable, Equatable {
    /// The interval's bounds (nil: none drawn).
    public var low: Double?
    public var high: Double?
    /// The summary cells the point stands for (several: replicates over seeds).
    public var cells: [String]
    /// With replicates: each seed's value, by seed.
    public var seedValues: [String: Double]
    public init(low: Double? = nil, high: Double? = nil, cells: [String] = [], seedValues: [String: Double] = [:]) {
        self.low = low
        self.high = high
        self.cells = cells
        self.seedValues = seedValues
    }
}

/// A highlighted point with a note (e.g. where a smaller model with search overtakes a larger one).
public struct PlotMark: Sendable {
    public var x: Double
    public var y: Double
    public var label: String
    public init(x: Double, y: Double, label: String) {
        self.x = x
        self.y = y
        self.label = label
    }
}

/// A plain-SVG line plot: log-scale (or linear) x, linear y, one colour and marker per series, a
/// legend, axis labels and a title. No scripts, no external fonts (generic `sans-serif`).
public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [PlotSeries]
    /// Circled points with a note, drawn over the series.
    public var marks = [PlotMark]()
    /// A line under the title saying what the error bars are (nil: none).
    public var caption: String? { didSet { margins.top = caption == nil ? 40 : 50 } }
    /// Lines of text in the plot's top-left corner (e.g. comparisons that were not separated).
    public var notes = [String]()
    /// The ranges computed once while drawing (every pixel position would otherwise rescan the data).
    private var frozenRanges: (x: ClosedRange<Double>, y: ClosedRange<Double>)?
    public var logX = true
    public var width = 640.0
    public var height = 420.0
    /// Plot area margins: left, right, top, bottom.
    public var margins = (left: 70.0, right: 170.0, top: 40.0, bottom: 55.0)

    public init(title: String, xLabel: String, yLabel: String, series: [PlotSeries], logX: Bool = true) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logX = logX
        // Room for the longest legend entry (about 7 px per character at 12 px).
        let longest = series.map(\.name.count).max() ?? 0
        margins.right = max(170, 50 + 7 * Double(longest))
        width = max(640, 470 + margins.right)
    }

    /// Colour-blind-safe palette (Okabe–Ito) and marker shapes, cycled per series.
    static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    static let markers = ["circle", "square", "triangle", "diamond"]
    /// Multiplicative padding of a log x axis.
    static let logPad = 1.15

    /// Points that can be drawn.
    func drawable(_ s: PlotSeries) -> [(x: Double, y: Double)] {
        s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
    }

    /// Error bars that can be drawn: (x, low, high).
    func drawableBars(_ s: PlotSeries) -> [(x: Double, low: Double, high: Double)] {
        s.points.indices.compactMap { i in
            let p = s.points[i]
            guard p.x.isFinite, p.y.isFinite, !logX || p.x > 0, let b = s.bar(i) else { return nil }
            return (p.x, b.low, b.high)
        }
    }

    /// The data ranges, padded so that single points and flat lines still get an extent.
    public var ranges: (x: ClosedRange<Double>, y: ClosedRange<Double>)? {
        if let frozenRanges { return frozenRanges }
        let all = series.flatMap(drawable)
        let bars = series.flatMap(drawableBars)
        guard let x0 = all.map(\.x).min(), let x1 = all.map(\.x).max(), let pointLow = all.map(\.y).min(), let pointHigh = all.map(\.y).max() else { return nil }
        let y0 = min(pointLow, bars.map(\.low).min() ?? pointLow), y1 = max(pointHigh, bars.map(\.high).max() ?? pointHigh)
        // x padded by 15 % (log) or 4 % (linear) each side so that end markers clear the frame.
        var xr = logX ? (x0 / Self.logPad)...(x1 * Self.logPad) : (x0 - (x1 - x0) * 0.04)...(x1 + (x1 - x0) * 0.04)
        var yr = y0...y1
        if x0 == x1 { xr = logX ? (x0 / 2)...(x0 * 2) : (x0 - 1)...(x1 + 1) }
        // 6 % of the span, but never below the values' own resolution (a near-flat series).
        let pad = max(y1 > y0 ? (y1 - y0) * 0.06 : max(abs(y0) * 0.1, 1), max(abs(y0), abs(y1)) * 1e-6)
        yr = (y0 - pad)...(y1 + pad)
        return (xr, yr)
    }

    /// Pixel position of a data point.
    public func pixel(x: Double, y: Double) -> (x: Double, y: Double)? {
        guard let (xr, yr) = ranges else { return nil }
        let plotW = width - margins.left - margins.right, plotH = height - margins.top - margins.bottom
        let fx = logX ? (log10(x) - log10(xr.lowerBound)) / (log10(xr.upperBound) - log10(xr.lowerBound))
            : (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound)
        let fy = (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound)
        return (margins.left + fx * plotW, margins.top + (1 - fy) * plotH)
    }

    /// The SVG document.
    public func svg() -> String {
        var frozen = self
        frozen.frozenRanges = ranges
        return frozen.render()
    }

    func render() -> String {
        var out = [String]()
        out.append(#"<?xml version="1.0" encoding="UTF-8"?>"#)
        out.append(#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(f(width))" height="\#(f(height))" viewBox="0 0 \#(f(width)) \#(f(height))" font-family="sans-serif" font-size="12">"#)
        out.append(#"<rect width="100%" height="100%" fill="white"/>"#)
        out.append(#"<text x="\#(f(width / 2))" y="22" text-anchor="middle" font-size="15" font-weight="bold">\#(escape(title))</text>"#)
        if let caption {
            out.append(#"<text x="\#(f(width / 2))" y="38" text-anchor="middle" font-size="10" fill="rgb(85,85,85)">\#(escape(caption))</text>"#)
        }
        let left = margins.left, right = width - margins.right, top = margins.top, bottom = height - margins.bottom
        guard let (xr, yr) = ranges else {
            out.append(#"<rect x="\#(f(left))" y="\#(f(top))" width="\#(f(right - left))" height="\#(f(bottom - top))" fill="none" stroke="rgb(136,136,136)"/>"#)
            out.append(#"<text x="\#(f((left + right) / 2))" y="\#(f((top + bottom) / 2))" text-anchor="middle" fill="rgb(102,102,102)">no data</text>"#)
            out.append("</svg>")
            return out.joined(separator: "\n") + "\n"
        }
        // Grid and ticks.
        let xTicks = logX ? Ticks.logarithmic(xr.lowerBound, xr.upperBound) : Ticks.linear(xr.lowerBound, xr.upperBound)
        for t in xTicks {
            guard let p = pixel(x: t.value, y: yr.lowerBound) else { continue }
            out.append(#"<line x1="\#(f(p.x))" y1="\#(f(top))" x2="\#(f(p.x))" y2="\#(f(bottom))" stroke="rgb(228,228,228)"/>"#)
            out.append(#"<text x="\#(f(p.x))" y="\#(f(bottom + 16))" text-anchor="middle">\#(escape(t.label))</text>"#)
        }
        for t in Ticks.linear(yr.lowerBound, yr.upperBound) {
            guard let p = pixel(x: xr.lowerBound, y: t.value) else { continue }
            out.append(#"<line x1="\#(f(left))" y1="\#(f(p.y))" x2="\#(f(right))" y2="\#(f(p.y))" stroke="rgb(228,228,228)"/>"#)
            out.append(#"<text x="\#(f(left - 6))" y="\#(f(p.y + 4))" text-anchor="end">\#(escape(t.label))</text>"#)
        }
        out.append(#"<rect x="\#(f(left))" y="\#(f(top))" width="\#(f(right - left))" height="\#(f(bottom - top))" fill="none" stroke="rgb(51,51,51)"/>"#)
        out.append(#"<text x="\#(f((left + right) / 2))" y="\#(f(height - 12))" text-anchor="middle">\#(escape(xLabel))</text>"#)
        out.append(#"<text transform="translate(16 \#(f((top + bottom) / 2))) rotate(-90)" text-anchor="middle">\#(escape(yLabel))</text>"#)
        // Series: error bars, line, markers, legend entry.
        for (i, s) in series.enumerated() {
            let colour = Self.colours[i % Self.colours.count], marker = Self.markers[i % Self.markers.count]
            for bar in drawableBars(s) {
                guard let lo = pixel(x: bar.x, y: bar.low), let hi = pixel(x: bar.x, y: bar.high) else { continue }
                out.append(#"<path d="M\#(f(lo.x)) \#(f(lo.y)) L\#(f(hi.x)) \#(f(hi.y)) M\#(f(lo.x - 3)) \#(f(lo.y)) L\#(f(lo.x + 3)) \#(f(lo.y)) M\#(f(hi.x - 3)) \#(f(hi.y)) L\#(f(hi.x + 3)) \#(f(hi.y))" stroke="\#(colour)" stroke-width="1.2" stroke-opacity="0.7" fill="none"/>"#)
            }
            let points = drawable(s).sorted { $0.x < $1.x }.compactMap { pixel(x: $0.x, y: $0.y) }
            if s.connected && points.count > 1 {
                let d = points.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(f($0.element.x)) \(f($0.element.y))" }.joined(separator: " ")
                out.append(#"<path d="\#(d)" fill="none" stroke="\#(colour)" stroke-width="2"\#(s.dashed ? #" stroke-dasharray="6 4""# : "")/>"#)
            }
            for p in points {
                out.append(s.connected ? shape(marker, at: p, colour: colour)
                           : #"<circle cx="\#(f(p.x))" cy="\#(f(p.y))" r="2.5" fill="\#(colour)" fill-opacity="0.45"/>"#)
            }
            let ly = top + 12 + Double(i) * 20, lx = right + 14
            if s.connected {
                out.append(#"<line x1="\#(f(lx))" y1="\#(f(ly))" x2="\#(f(lx + 24))" y2="\#(f(ly))" stroke="\#(colour)" stroke-width="2"\#(s.dashed ? #" stroke-dasharray="6 4""# : "")/>"#)
                out.append(shape(marker, at: (lx + 12, ly), colour: colour))
            } else {
                out.append(#"<circle cx="\#(f(lx + 12))" cy="\#(f(ly))" r="3.5" fill="\#(colour)" fill-opacity="0.6"/>"#)
            }
            out.append(#"<text x="\#(f(lx + 30))" y="\#(f(ly + 4))">\#(escape(s.name))</text>"#)
        }
        // Notes wrapped to the plot's width (about 5.6 px per character at 10 px).
        let perLine = max(20, Int((right - left - 16) / 5.6))
        for (k, line) in notes.flatMap({ Self.wrap($0, width: perLine) }).enumerated() {
            out.append(#"<text x="\#(f(left + 8))" y="\#(f(top + 16 + Double(k) * 13))" font-size="10" fill="rgb(85,85,85)">\#(escape(line))</text>"#)
        }
        // Marks: a ring around the point and its note, placed where it hides the least.
        var obstacles = marks.isEmpty ? [] : drawnPixels()
        for mark in marks {
            guard mark.x.isFinite, mark.y.isFinite, !logX || mark.x > 0, let p = pixel(x: mark.x, y: mark.y) else { continue }
            out.append(#"<circle cx="\#(f(p.x))" cy="\#(f(p.y))" r="10" fill="none" stroke="rgb(0,0,0)" stroke-width="1.5"/>"#)
            let note = notePlacement(at: p, width: 6.2 * Double(mark.label.count), obstacles: obstacles)
            out.append(#"<text x="\#(f(note.x))" y="\#(f(note.y))" text-anchor="\#(note.anchor)" font-size="11">\#(escape(mark.label))</text>"#)
            // Later notes avoid this one: its box as a grid of covered pixels.
            let width = 6.2 * Double(mark.label.count), x0 = note.anchor == "start" ? note.x : note.x - width
            for gx in stride(from: x0, through: x0 + width, by: 4) { for gy in stride(from: note.y - 10, through: note.y + 2, by: 4) { obstacles.append((gx, gy)) } }
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// Pixels covered by the series: their markers and points every ~3 px along their lines.
    func drawnPixels() -> [(x: Double, y: Double)] {
        var out = [(x: Double, y: Double)]()
        for s in series {
            let points = drawable(s).sorted { $0.x < $1.x }.compactMap { pixel(x: $0.x, y: $0.y) }
            out += points
            guard s.connected else { continue }
            for (a, b) in zip(points, points.dropFirst()) {
                let steps = max(1, Int((hypot(b.x - a.x, b.y - a.y) / 3).rounded(.up)))
                for k in 1..<steps { let t = Double(k) / Double(steps); out.append((a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)) }
            }
        }
        return out
    }

    /// Where a note of `width` px beside a ring at `p` goes: of the spots above-right,
    /// below-right, above-left and below-left that fit inside the plot area, the one whose text
    /// box covers the fewest drawn pixels (the first of equals).
    func notePlacement(at p: (x: Double, y: Double), width: Double, obstacles: [(x: Double, y: Double)]) -> (x: Double, y: Double, anchor: String) {
        let left = margins.left, right = self.width - margins.right, top = margins.top, bottom = height - margins.bottom
        let spots: [(x: Double, y: Double, anchor: String)] = [(p.x + 14, p.y - 14, "start"), (p.x + 14, p.y + 24, "start"),
                                                                (p.x - 14, p.y - 14, "end"), (p.x - 14, p.y + 24, "end")]
        func box(_ s: (x: Double, y: Double, anchor: String)) -> (x0: Double, x1: Double, y0: Double, y1: Double) {
            let x0 = s.anchor == "start" ? s.x : s.x - width
            return (x0 - 2, x0 + width + 2, s.y - 12, s.y + 4)
        }
        func fits(_ b: (x0: Double, x1: Double, y0: Double, y1: Double)) -> Bool { b.x0 >= left && b.x1 <= right && b.y0 >= top && b.y1 <= bottom }
        func covered(_ b: (x0: Double, x1: Double, y0: Double, y1: Double)) -> Int {
            obstacles.filter { $0.x >= b.x0 - 4 && $0.x <= b.x1 + 4 && $0.y >= b.y0 - 4 && $0.y <= b.y1 + 4 }.count
        }
        let candidates = spots.filter { fits(box($0)) }
        return (candidates.isEmpty ? spots : candidates).min { covered(box($0)) < covered(box($1)) } ?? spots[0]
    }

    func shape(_ marker: String, at p: (x: Double, y: Double), colour: String) -> String {
        switch marker {
        case "square": return #"<rect x="\#(f(p.x - 3.5))" y="\#(f(p.y - 3.5))" width="7" height="7" fill="\#(colour)"/>"#
        case "triangle": return #"<path d="M\#(f(p.x)) \#(f(p.y - 4.5)) L\#(f(p.x + 4.5)) \#(f(p.y + 3.5)) L\#(f(p.x - 4.5)) \#(f(p.y + 3.5)) Z" fill="\#(colour)"/>"#
        case "diamond": return #"<path d="M\#(f(p.x)) \#(f(p.y - 5)) L\#(f(p.x + 5)) \#(f(p.y)) L\#(f(p.x)) \#(f(p.y + 5)) L\#(f(p.x - 5)) \#(f(p.y)) Z" fill="\#(colour)"/>"#
        default: return #"<circle cx="\#(f(p.x))" cy="\#(f(p.y))" r="4" fill="\#(colour)"/>"#
        }
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// `text` split at spaces into lines of at most `width` characters (a longer word stays whole).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines = [String](), line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

/// XML text escaping.
public func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
