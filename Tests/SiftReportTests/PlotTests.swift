import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SiftReport

/// Checks that text is well-formed XML.
func parsesAsXML(_ text: String) -> Bool {
    let parser = XMLParser(data: Data(text.utf8))
    return parser.parse()
}

@Suite struct TickTests {
    @Test(arguments: [(1.0, 10.0), (1.0, 1e6), (3.0, 70.0), (49.0, 13000.0), (0.5, 2e7), (120.0, 180.0), (1.0, 1e12)])
    func logTicksAreReadable(range: (Double, Double)) {
        let ticks = Ticks.logarithmic(range.0, range.1)
        #expect(ticks.count >= 2 && ticks.count <= 12, "\(range): \(ticks.map(\.label))")
        #expect(ticks.allSatisfy { $0.value >= range.0 * 0.999 && $0.value <= range.1 * 1.001 })
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0.value < $1.value })
        #expect(Set(ticks.map(\.label)).count == ticks.count)
    }

    @Test func logTickValuesAndLabels() {
        #expect(Ticks.logarithmic(1, 1e6).map(\.label) == ["1", "10", "100", "1k", "10k", "100k", "1M"])
        #expect(Ticks.logarithmic(40, 400).map(\.label) == ["50", "100", "200"])
        #expect(Ticks.logarithmic(0, 10).isEmpty && Ticks.logarithmic(.nan, 10).isEmpty)
    }

    @Test func linearTicksUseNiceSteps() {
        #expect(Ticks.linear(0, 10).map(\.value) == [0, 2, 4, 6, 8, 10])
        #expect(Ticks.linear(0.12, 0.87).map(\.label) == ["0.2", "0.4", "0.6", "0.8"])
        #expect(Ticks.linear(0.012, 0.05).map(\.label) == ["0.02", "0.03", "0.04", "0.05"])
        #expect(Ticks.linear(5, 5).count == 1)
    }
}

@Suite struct LinePlotTests {
    func plot(_ series: [PlotSeries]) -> LinePlot {
        LinePlot(title: "FID vs NFE", xLabel: "NFE", yLabel: "FID", series: series)
    }

    @Test func pointsLandWhereTheAxesSay() throws {
        // x from 10 to 1000 (log, padded by ×1.15 each side), y from 0 to 100 padded by 6 % each side.
        let p = plot([PlotSeries(name: "a", points: [(10, 0), (100, 50), (1000, 100)])])
        let plotW = p.width - p.margins.left - p.margins.right, plotH = p.height - p.margins.top - p.margins.bottom
        let mid = try #require(p.pixel(x: 100, y: 50))
        #expect(abs(mid.x - (p.margins.left + plotW / 2)) < 1e-9)
        #expect(abs(mid.y - (p.margins.top + plotH / 2)) < 1e-9)
        let low = try #require(p.pixel(x: 10 / LinePlot.logPad, y: -6))
        #expect(abs(low.x - p.margins.left) < 1e-9 && abs(low.y - (p.height - p.margins.bottom)) < 1e-9)
        let svg = p.svg()
        #expect(svg.contains(#"<circle cx="\#(p.f(mid.x))" cy="\#(p.f(mid.y))" r="4""#))
        #expect(parsesAsXML(svg))
    }

    @Test func emptySingleAndNaNSeriesGiveValidFiles() {
        let empty = plot([])
        #expect(parsesAsXML(empty.svg()) && empty.svg().contains("no data"))
        let single = plot([PlotSeries(name: "one", points: [(49, 12.5)])])
        #expect(parsesAsXML(single.svg()) && single.ranges != nil)
        let nan = plot([PlotSeries(name: "odd & <name>", points: [(10, .nan), (.infinity, 3), (0, 4), (20, 5), (40, 6)])])
        let svg = nan.svg()
        #expect(parsesAsXML(svg))
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        #expect(svg.contains("odd &amp; &lt;name&gt;"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3)   // 2 points + the legend marker
    }

    @Test func goldenSnapshot() throws {
        let p = LinePlot(title: "Random search", xLabel: "NFE per sample", yLabel: "FID",
                         series: [PlotSeries(name: "clf-vit", points: [(49, 383.3), (125, 309.5), (353, 295.8)]),
                                  PlotSeries(name: "more steps", points: [(49, 383.3), (99, 370), (199, 365)], dashed: true)])
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/report/small-plot.svg")
        if ProcessInfo.processInfo.environment["SIFT_UPDATE_GOLDEN"] == "1" { try p.svg().write(to: golden, atomically: true, encoding: .utf8) }
        #expect(p.svg() == (try String(contentsOf: golden, encoding: .utf8)))
    }
}

@Suite struct ReportBuildTests {
    @Test func buildsPlotsAndPageFromASummary() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-report-\(UUID().uuidString)/exp")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = [
            #"{"cell":"a1","axis.verifier":"clf-vit","axis.algorithm.candidates":"1","budget_name":"candidates","ledger.nfe_per_sample":49,"ledger.gflops_per_sample":2.3,"fid":380.0,"is_mean":4.2,"score.mean":5.0}"#,
            #"{"cell":"a2","axis.verifier":"clf-vit","axis.algorithm.candidates":"4","budget_name":"candidates","ledger.nfe_per_sample":125,"ledger.gflops_per_sample":6.0,"fid":310.0,"is_mean":4.9,"score.mean":7.1}"#,
            #"{"cell":"b1","axis.verifier":"clf-mlp","axis.algorithm.candidates":"4","budget_name":"candidates","ledger.nfe_per_sample":125,"ledger.gflops_per_sample":6.0,"fid":330.0,"is_mean":4.6,"score.mean":3.0}"#,
        ]
        try rows.joined(separator: "\n").write(to: folder.appendingPathComponent("summary.jsonl"), atomically: true, encoding: .utf8)
        let series = Report.series(try Report.rows(folder), x: "ledger.nfe_per_sample", metric: "fid", seriesKey: nil)
        #expect(series.map(\.name) == ["verifier=clf-vit", "verifier=clf-mlp"])
        #expect(series[0].points.map(\.x) == [49, 125])
        var options = Report.Options()
        options.y = ["fid", "is", "score"]
        let files = try Report.build(results: folder, out: folder.appendingPathComponent("report"), options: options)
        #expect(files.map(\.lastPathComponent) == ["fid-vs-nfe.svg", "is-vs-nfe.svg", "score-vs-nfe.svg", "index.html"])
        for f in files.dropLast() { #expect(parsesAsXML(try String(contentsOf: f, encoding: .utf8))) }
        let html = try String(contentsOf: files.last!, encoding: .utf8)
        #expect(html.contains(#"src="fid-vs-nfe.svg""#) && html.contains(#"src="../a2/samples.png""#))
        options.y = ["lpips"]
        #expect(throws: ReportError.self) { try Report.build(results: folder, out: folder, options: options) }
    }
}
