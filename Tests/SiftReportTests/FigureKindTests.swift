import Foundation
import Testing
@testable import SiftReport

/// A fresh temporary folder.
func temporaryFolder(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sift-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct CrossoverTests {
    /// Model-size shape: s cheapest, l costliest; s with search beats b without at its last point,
    /// b with search beats l without at its third; s never reaches l.
    let series = [
        PlotSeries(name: "sit-s", points: [(2, 276), (6, 250), (17, 215)]),
        PlotSeries(name: "sit-b", points: [(6, 222), (10, 190), (16, 163), (30, 150)]),
        PlotSeries(name: "sit-l", points: [(13, 177), (35, 140)]),
    ]

    @Test func marksTheFirstPointWhereACheaperSeriesBeatsACostlierOnesStart() {
        let marks = Report.crossovers(series, lowerIsBetter: true).marks
        #expect(marks.map(\.label) == ["sit-s with search beats sit-b without", "sit-b with search beats sit-l without"])
        #expect(marks.map(\.x) == [17, 16] && marks.map(\.y) == [215, 163])
        // Higher-is-better: negate and the same crossings appear.
        let flipped = series.map { PlotSeries(name: $0.name, points: $0.points.map { (x: $0.x, y: -$0.y) }) }
        #expect(Report.crossovers(flipped, lowerIsBetter: false).marks.map(\.x) == [17, 16])
        // Dashed baselines are ignored: this one starts cheaper and worse than sit-l and later
        // beats it, which would be marked for a solid series.
        let steps = PlotSeries(name: "steps", points: [(1, 200), (20, 150)], dashed: true)
        #expect(Report.crossovers([series[2], steps], lowerIsBetter: true).marks.isEmpty)
        #expect(Report.crossovers([series[2], PlotSeries(name: "steps", points: steps.points)], lowerIsBetter: true).marks.map(\.x) == [20])
    }

    @Test func marksAreDrawnAsRingsWithNotes() {
        var plot = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: series)
        plot.marks = Report.crossovers(series, lowerIsBetter: true).marks
        let svg = plot.svg()
        #expect(parsesAsXML(svg))
        #expect(svg.contains("sit-b with search beats sit-l without"))
        let p = plot.pixel(x: 16, y: 163)!
        #expect(svg.contains(#"<circle cx="\#(plot.f(p.x))" cy="\#(plot.f(p.y))" r="10" fill="none""#))
    }
}

@Suite struct ScatterFigureTests {
    @Test func scatterOfCSVColumnsWithPearsonR() throws {
        let folder = try temporaryFolder("scatter")
        let csv = folder.appendingPathComponent("scores.csv")
        try "class,sample,candidate,a,b\n0,0,0,1,2\n0,0,1,2,4\n1,0,0,3,5\n1,0,1,4,4\n1,1,0,5,5\n".write(to: csv, atomically: true, encoding: .utf8)
        let files = try ScatterFigure.build(csv: csv, x: "a", ys: ["b"], out: folder.appendingPathComponent("fig"), title: "T")
        #expect(files.map(\.lastPathComponent) == ["b-vs-a.svg", "index.html"])
        let svg = try String(contentsOf: files[0], encoding: .utf8)
        #expect(parsesAsXML(svg))
        #expect(svg.contains("r = 0.775"))                                   // numpy: 0.7745966692414834
        #expect(svg.components(separatedBy: #"r="2.5""#).count - 1 == 5)   // one dot per candidate, no line
        #expect(!svg.contains("<path d=\"M"))
        #expect(throws: ReportError.self) { try ScatterFigure.columns(csv, ["c"]) }
        // Windows line ends read the same.
        try "class,a,b\r\n0,1,2\r\n1,2,4\r\n".write(to: csv, atomically: true, encoding: .utf8)
        #expect(try ScatterFigure.columns(csv, ["a", "b"]) == ["a": [1, 2], "b": [2, 4]])
        try "a,b\n1,2\n3\n".write(to: csv, atomically: true, encoding: .utf8)
        do { _ = try ScatterFigure.columns(csv, ["b"]); Issue.record("a short line was accepted") } catch {
            #expect("\(error)".contains("scores.csv: line 3 has 1 values, earlier lines have 2"))
        }
    }
}

@Suite struct MatrixFigureTests {
    @Test func gainsOverNoSearchWithFIDSignFlipped() {
        #expect(MatrixFigure.gain(6, over: 5, lowerIsBetter: false) == 20)
        #expect(MatrixFigure.gain(150, over: 200, lowerIsBetter: true) == 25)
        #expect(MatrixFigure.gain(-4, over: -5, lowerIsBetter: false) == 20)
        #expect(MatrixFigure.gain(1, over: 0, lowerIsBetter: false).isNaN)
    }

    @Test func matrixFromASummary() throws {
        let folder = try temporaryFolder("matrix").appendingPathComponent("exp")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = [
            #"{"cell":"a","axis.verifier":"clf-vit","budget":1,"no_search":true,"fid":200.0,"is_mean":5.0,"held_out.clf-vit":6.0,"held_out.clf-mlp":4.0}"#,
            #"{"cell":"b","axis.verifier":"clf-vit","budget":16,"no_search":false,"fid":150.0,"is_mean":6.0,"held_out.clf-vit":9.0,"held_out.clf-mlp":4.4}"#,
            #"{"cell":"c","axis.verifier":"clf-mlp","budget":1,"no_search":true,"fid":200.0,"is_mean":5.0,"held_out.clf-vit":6.0,"held_out.clf-mlp":4.0}"#,
            #"{"cell":"d","axis.verifier":"clf-mlp","budget":16,"no_search":false,"fid":220.0,"is_mean":5.5,"held_out.clf-vit":6.6,"held_out.clf-mlp":8.0}"#,
            #"{"cell":"e","axis.verifier":"fid-oracle","budget":1,"no_search":true,"fid":200.0,"is_mean":5.0,"held_out.clf-vit":6.0,"held_out.clf-mlp":4.0}"#,
            #"{"cell":"f","axis.verifier":"fid-oracle","budget":16,"no_search":false,"fid":120.0,"is_mean":5.0,"held_out.clf-vit":6.0,"held_out.clf-mlp":4.0}"#,
        ]
        try rows.joined(separator: "\n").write(to: folder.appendingPathComponent("summary.jsonl"), atomically: true, encoding: .utf8)
        let files = try MatrixFigure.build(results: folder, rowKey: "axis.verifier", budget: 16,
                                           metrics: ["held_out.clf-vit", "held_out.clf-mlp", "fid", "is"], out: folder.appendingPathComponent("m"), title: "M")
        let svg = try String(contentsOf: files[0], encoding: .utf8)
        #expect(parsesAsXML(svg))
        for text in [">+50.0%<", ">+10.0%<", ">+25.0%<", ">+20.0%<", ">-10.0%<", ">+100.0%<", ">no search<", ">200.0<"] {
            #expect(svg.contains(text), "\(text)")
        }
        // The diagonal (a verifier scoring its own picks; fid-oracle: FID) is outlined.
        #expect(svg.components(separatedBy: #"fill="none" stroke="rgb(0,0,0)""#).count - 1 == 3)
        #expect(svg.contains(">+40.0%<"))   // fid-oracle's FID gain
        // A misspelt metric, and a second cell at the budget, are errors (not an empty matrix).
        #expect(throws: ReportError.self) {
            try MatrixFigure.build(results: folder, rowKey: "axis.verifier", budget: 16, metrics: ["held_out.clf-vitt"], out: folder, title: "M")
        }
        #expect(throws: ReportError.self) {
            try MatrixFigure.build(results: folder, rowKey: "axis.verifier", budget: 64, metrics: ["fid"], out: folder, title: "M")
        }
    }
}

@Suite struct CrossoverMergeTests {
    @Test func oneMarkPerPointNamingEveryBeatenSeries() {
        let series = [PlotSeries(name: "small", points: [(1, 10), (5, 3)]),
                      PlotSeries(name: "mid", points: [(2, 6)]), PlotSeries(name: "large", points: [(4, 5)])]
        let marks = Report.crossovers(series, lowerIsBetter: true).marks
        #expect(marks.map(\.label) == ["small with search beats mid, large without"])
        var plot = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: series)
        plot.marks = marks
        #expect(parsesAsXML(plot.svg()))
    }
}
