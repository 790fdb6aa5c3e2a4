import ArgumentParser
import Foundation
import SiftExperiments
import SiftTensor

/// `sift evaluate Results/<name>`: per-sample data and intervals for finished cells.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Rebuild features.npy, logits.npy and every metric's interval for an experiment's finished cells, regenerating only their final samples.",
        discussion: """
        Random-search cells regenerate their winners from the recorded keys; other algorithms rerun \
        the cell's search and must choose the recorded candidates. FID, precision, recall, class FID \
        and the held-out means must equal the record, or the cell is left untouched. Cells that \
        already have features and intervals are skipped (--force redoes them); rerun to resume.
        """)

    @Argument(help: "An experiment's results folder (Results/<name>).") var results: String
    @Flag(help: "Re-evaluate cells that already have features and intervals.") var force = false
    @Flag(name: .customLong("from-features"), help: "Recompute metrics and intervals of evaluated cells from their saved features, logits and scores only (after a metric's definition changed); generates nothing.")
    var fromFeatures = false
    @Option(help: "Only these cell ids (comma list).") var cells: String?
    @Option(help: "Threads for Sift's loops and OpenBLAS (default: all cores).") var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let store = ResultStore(root: URL(fileURLWithPath: results))
        let finished = try store.finishedCells()
        guard !finished.isEmpty else { throw ValidationError("\(results): no finished cells") }
        var options = ExperimentRunner.Options()
        options.only = cells.map { Set($0.split(separator: ",").map(String.init)) }
        let runner = ExperimentRunner(cells: finished, store: store, options: options, progress: ProgressReporter())
        let start = Date()
        let done = fromFeatures ? try runner.recomputeFromSavedData() : try runner.evaluateFinished(force: force)
        print(String(format: "evaluated %d of %d finished cells in %.1f s; summary rebuilt in %@", done.count, finished.count,
                     Date().timeIntervalSince(start), store.root.path))
    }
}
