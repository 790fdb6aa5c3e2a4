import Foundation
import Testing
import SiftUtilities
@testable import SiftReport

/// Error bars, replicates over seeds, resolved crossovers and greyed matrix cells.
@Suite struct ReportIntervalTests {
    static func folder(_ rows: [String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-intervals-\(UUID().uuidString)/exp")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try rows.joined(separator: "\n").write(to: folder.appendingPathComponent("summary.jsonl"), atomically: true, encoding: .utf8)
        return folder
    }

    /// CRLF summaries read like LF ones; bytes that are not UTF-8 are named as such; a series
    /// column that no row has is refused with the columns there are.
    @Test func summaryReadingAndSeriesColumnErrors() throws {
        let rows = [#"{"cell":"a","axis.verifier":"v","ledger.nfe_per_sample":49,"fid":3.0}"#, #"{"cell":"b","axis.verifier":"w","ledger.nfe_per_sample":49,"fid":4.0}"#]
        let crlf = try Self.folder([rows.joined(separator: "\r\n") + "\r\n"])
        #expect(try Report.rows(crlf).map { $0["cell"] as? String } == ["a", "b"])
        let binary = try Self.folder([])
        try Data([0x7B, 0xFF, 0xFE, 0x7D]).write(to: binary.appendingPathComponent("summary.jsonl"))
        #expect(throws: ReportError.self) { try Report.rows(binary) }
        do { _ = try Report.rows(binary) } catch { #expect("\(error)".contains("is not UTF-8 text")) }
        var options = Report.Options()
        options.series = "axis.bogus"
        do {
            _ = try Report.build(results: crlf, out: crlf.appendingPathComponent("report"), options: options)
            Issue.record("bogus series accepted")
        } catch { #expect("\(error)".contains("--series 'axis.bogus' is not a column") && "\(error)".contains("axis.verifier"), "\(error)") }
    }

    @Test func pointsCarryTheirIntervalsAndThePlotDrawsBars() throws {
        let rows = [
            #"{"cell":"a","budget_name":"candidates","axis.algorithm.candidates":"1","ledger.nfe_per_sample":49,"fid":300,"fid.ci_low":280,"fid.ci_high":330}"#,
            #"{"cell":"b","budget_name":"candidates","axis.algorithm.candidates":"4","ledger.nfe_per_sample":125,"fid":250,"fid.ci_low":231,"fid.ci_high":262}"#,
        ]
        let series = Report.series(try Report.rows(try Self.folder(rows)), x: "ledger.nfe_per_sample", metric: "fid", seriesKey: nil)
        #expect(series.count == 1 && series[0].details.map(\.cells) == [["a"], ["b"]])
        #expect(series[0].bar(0)! == (280, 330) && series[0].bar(1)! == (231, 262))
        var plot = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: series)
        plot.caption = Report.caption(series)
        #expect(plot.caption!.contains("bootstrap"))
        // The y range holds the bars; one bar path per point.
        #expect(plot.ranges!.y.lowerBound < 231 && plot.ranges!.y.upperBound > 330)
        #expect(plot.svg().components(separatedBy: #"stroke-opacity="0.7""#).count - 1 == 2)
    }

    @Test func replicatedSeedsAreOnePointWithATInterval() throws {
        let rows = (0..<3).map { s in
            #"{"cell":"c\#(s)","budget_name":"candidates","axis.seed":"\#(s)","axis.algorithm.candidates":"4","ledger.nfe_per_sample":125,"fid":\#(200 + 10 * s)}"#
        }
        let series = Report.series(try Report.rows(try Self.folder(rows)), x: "ledger.nfe_per_sample", metric: "fid", seriesKey: nil)
        #expect(series.count == 1 && series[0].points.count == 1)
        #expect(series[0].points[0].y == 210)   // the mean of the seeds
        let t = StudentT.meanInterval([200, 210, 220])!
        #expect(series[0].bar(0)! == (t.low, t.high) && abs(t.high - 210 - 4.303 * 10 / 3.0.squareRoot()) < 1e-9)
        #expect(series[0].details[0].seedValues == ["0": 200, "1": 210, "2": 220])
        #expect(Report.caption(series)!.contains("over 3 seeds"))
    }

    /// A crossover is marked only where the paired interval excludes 0; otherwise a note says so.
    @Test func crossoversNeedAResolvedDifference() {
        func series(_ name: String, _ points: [(x: Double, y: Double)], _ cells: [String]) -> PlotSeries {
            PlotSeries(name: name, points: points, details: cells.map { PointDetail(cells: [$0]) })
        }
        let small = series("sit-b", [(6, 222), (16, 163), (30, 150)], ["b1", "b4", "b16"]), large = series("sit-l", [(13, 177)], ["l1"])
        // b4 beats l1 by 14 points but not significantly; b16 does.
        let test: (PointDetail, PointDetail) -> (low: Double, high: Double)? = { a, b in
            a.cells == ["b4"] ? (-30, 2) : a.cells == ["b16"] ? (-40, -12) : nil
        }
        let resolved = Report.crossovers([small, large], lowerIsBetter: true, column: "fid", test: test)
        #expect(resolved.marks.map(\.x) == [30] && resolved.notes.isEmpty)
        let never = Report.crossovers([small, large], lowerIsBetter: true, column: "fid", test: { _, _ in (-30, 5) })
        #expect(never.marks.isEmpty && never.notes.count == 1 && never.notes[0].contains("not separated"))
        // Without a test the first point that beats is marked (as before intervals).
        #expect(Report.crossovers([small, large], lowerIsBetter: true).marks.map(\.x) == [16])
        // Replicated points are compared across seeds, whatever the test says.
        let seeds = PlotSeries(name: "sit-b", points: [(6, 222), (16, 163)],
                               details: [PointDetail(), PointDetail(cells: ["x", "y"], seedValues: ["0": 160, "1": 165, "2": 164])])
        let base = PlotSeries(name: "sit-l", points: [(13, 177)], details: [PointDetail(cells: ["p", "q"], seedValues: ["0": 176, "1": 178, "2": 177])])
        #expect(Report.crossovers([seeds, base], lowerIsBetter: true, column: "fid", test: { _, _ in (-1, 1) }).marks.map(\.x) == [16])
    }

    @Test func matrixGreysUnresolvedGains() throws {
        let rows = [
            #"{"cell":"a","axis.verifier":"clf-vit","budget":1,"no_search":true,"fid":200.0,"held_out.clf-vit":6.0}"#,
            #"{"cell":"b","axis.verifier":"clf-vit","budget":16,"no_search":false,"fid":190.0,"fid.ci_low":180.0,"fid.ci_high":201.0,"held_out.clf-vit":9.0}"#,
        ]
        let folder = try Self.folder(rows)
        let out = folder.appendingPathComponent("m")
        // FID's paired interval includes 0, the held-out score's does not.
        _ = try MatrixFigure.build(results: folder, rowKey: "axis.verifier", budget: 16, metrics: ["fid", "held_out.clf-vit"], out: out, title: "M",
                                   test: { column, a, b in a.cells == ["b"] && b.cells == ["a"] ? (column == "fid" ? (-15, 2) : (2, 4)) : nil })
        let svg = try String(contentsOf: out.appendingPathComponent("gain-matrix.svg"), encoding: .utf8)
        #expect(svg.components(separatedBy: "rgb(225,225,225)").count - 1 == 1 && svg.contains("Grey: the paired"))
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("190.0 <small>[180.0, 201.0]</small> (+5.0%, n.s.)"))
    }
}
