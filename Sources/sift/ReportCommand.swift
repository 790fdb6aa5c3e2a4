import ArgumentParser
import Foundation
import SiftExperiments
import SiftReport

/// `sift report Results/<name>`: SVG plots of metrics against compute and an HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "SVG plots (metric vs NFE or GFLOPs) and index.html from an experiment's summary.jsonl.")
    @Argument(help: "An experiment's results folder (Results/<name>).") var results: String?
    @Option(help: "Rebuild every figure declared in this file (e.g. Analysis/figures.yaml) into its folder.") var figures: String?
    @Option(help: "x axis: nfe or gflops.") var x = "nfe"
    @Option(help: "Comma list of metrics: fid, is, kid, precision, recall, score, class_fid.") var y = "fid,is"
    @Option(help: "Summary column naming the series (e.g. axis.verifier); default: the non-budget axes.") var series: String?
    @Option(help: "Another results folder drawn as a dashed baseline.") var baseline: String?
    @Option(help: "Name of the baseline series.") var baselineName = "more denoising steps"
    @Option(help: "Plot title prefix (default: the experiment name).") var title: String?
    @Option(help: "Output folder (default: <results>/report).") var out: String?
    @Option(help: "Print a Markdown table of these summary columns (with their intervals) instead of plotting, e.g. fid,is_mean,recall,score.mean.")
    var table: String?
    @Flag(help: "With --table: merge the cells that differ only in their seed into one row, each value the mean over seeds with its 95 % t-interval across seeds.")
    var seedMeans = false

    func run() throws {
        if let figures {
            let root = URL(fileURLWithPath: figures).deletingLastPathComponent()
            // Every figure whose results exist is rebuilt; the others are listed, and the command fails.
            var missing = [String]()
            let specs = try FigureSpec.load(figures)
            let comparisons = PairedComparisons(experiments: specs.flatMap { [$0.results] + ($0.baseline.map { [$0] } ?? []) }.map { URL(fileURLWithPath: $0) })
            for figure in specs {
                do {
                    for f in try figure.build(root: root, test: comparisons.test) { print("wrote \(f.path)") }
                } catch {
                    print("skipped \(figure.name): \(error)")
                    missing.append(figure.name)
                }
            }
            if !missing.isEmpty { throw ReportError("\(missing.count) figure(s) not built: \(missing.joined(separator: ", "))") }
            return
        }
        guard let results else { throw ValidationError("give a results folder (Results/<name>) or --figures FILE") }
        try refreshSummary(URL(fileURLWithPath: results))
        if let table {
            let rows = try Report.rows(URL(fileURLWithPath: results)), columns = table.split(separator: ",").map(String.init)
            print(seedMeans ? MarkdownTable.renderSeedMeans(rows, columns: columns) : MarkdownTable.render(rows, columns: columns), terminator: "")
            return
        }
        var options = Report.Options()
        options.x = x
        options.y = y.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        options.series = series
        options.baseline = baseline.map { URL(fileURLWithPath: $0) }
        options.baselineName = baselineName
        options.title = title
        let folder = URL(fileURLWithPath: results)
        options.pairedTest = PairedComparisons(experiments: [folder] + (options.baseline.map { [$0] } ?? [])).test
        let files = try Report.build(results: folder, out: out.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("report"), options: options)
        for f in files { print("wrote \(f.path)") }
    }

    /// Rebuilds the summary from the cell folders when they are here (a killed run wrote none, or
    /// an older one), so the report shows every finished cell; a read-only folder keeps its summary.
    func refreshSummary(_ folder: URL) throws {
        let store = ResultStore(root: folder)
        guard FileManager.default.isWritableFile(atPath: folder.path), !(try store.finishedRecords()).isEmpty else { return }
        try store.rebuildSummary()
    }
}
