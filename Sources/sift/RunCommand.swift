import ArgumentParser
import Foundation
import SiftExperiments
import SiftTensor

/// `sift run FILE [key=value …]`: expands an experiment file into cells and runs the missing ones.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment file: grid/zip/sweep expansion, resumable cells, PNG and JSON results, a summary table.")

    @Argument(help: "The experiment YAML file.") var file: String
    @Argument(help: "Overrides: key=value, key=a,b,c (a sweep), key=[a,b] (a list value).") var overrides: [String] = []
    @Flag(name: .customLong("dry-run"), help: "List the cells and whether each is finished; run nothing.") var dryRun = false
    @Option(help: "Cells to run at once, each in its own process with cores/jobs threads.") var jobs = 1
    @Option(help: "Run a deterministic part i/n of the cells (for cluster array jobs).") var shard: String?
    @Flag(help: "Recompute finished cells.") var force = false
    @Option(help: "Folder of all results.") var results = "Results"
    @Option(help: "Threads for Sift's loops and OpenBLAS (default: all cores).") var threads: Int?
    @Option(name: .customLong("chunk-tflop"), help: "Run a group of cells costing more than this many TFLOP of denoiser passes in chunks of slots of about that cost, each saved as it finishes, so an interrupted run resumes within the cell.")
    var chunkTFLOP = 10.0
    @Option(help: "Where cells run: local (this machine; --jobs) or slurm (a job array, one task per group of shared work; see the launcher: block).")
    var launcher = Launcher.local
    @Flag(help: "With --launcher slurm: wait until the array ends, then rebuild the summary and print the table.") var wait = false
    @Option(help: .hidden) var cells: String?

    enum Launcher: String, ExpressibleByArgument, CaseIterable {
        case local, slurm
    }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ValidationError("\(file): cannot read the experiment file (\(error.localizedDescription))")
        }
        let expanded = try ExperimentExpansion.cells(file: file, text: text, overrides: overrides)
        guard let name = expanded.first?.config.name else { throw ValidationError("\(file): the experiment has no cells") }
        var selected = expanded
        if let shard {
            let parts = shard.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
                throw ValidationError("--shard must be i/n with 1 ≤ i ≤ n, got '\(shard)'")
            }
            // Whole groups of shared work go to one shard, round-robin in expansion order.
            let groups = ExperimentRunner.groups(expanded)
            selected = groups.enumerated().filter { $0.offset % parts[1] == parts[0] - 1 }.flatMap(\.element)
        }
        if let cells { let ids = Set(cells.split(separator: ",").map(String.init)); selected = selected.filter { ids.contains($0.id) } }
        let store = ResultStore(root: URL(fileURLWithPath: results).appendingPathComponent(name))
        var options = ExperimentRunner.Options()
        options.force = force
        guard chunkTFLOP > 0, chunkTFLOP.isFinite else { throw ValidationError("--chunk-tflop must be a positive number of TFLOP, got \(chunkTFLOP)") }
        options.chunkFLOPs = chunkTFLOP * 1e12
        options.only = Set(selected.map(\.id))
        options.source = file
        options.provenance = ["sift_version": SiftVersion.string, "git_commit": gitCommit() ?? "unknown",
                              "command": CommandLine.arguments.joined(separator: " ")]
        let runner = ExperimentRunner(cells: expanded, store: store, options: options, progress: ProgressReporter())
        if launcher == .slurm { return try runOnSlurm(expanded: expanded, store: store, runner: runner) }
        guard !wait else { throw ValidationError("--wait goes with --launcher slurm") }
        if dryRun {
            try runner.preflight()
            try store.checkOwner(ExperimentManifest(source: ExperimentManifest.sourcePath(file), cells: expanded.map(\.id)))
            var table = TextTable(["#", "cell", "status"] + (expanded.first?.axes.map(\.key) ?? []))
            for cell in selected {
                let status = !store.isFinished(cell.id) ? "to run" : !runner.isUpToDate(cell) ? "stale (weights changed; will rerun)" : force ? "finished (will rerun)" : "finished"
                table.add(["\(cell.index)", cell.id, status] + cell.axes.map(\.value))
            }
            print(table.render())
            print("\(selected.count) of \(expanded.count) cells selected; results in \(store.root.path)")
            return
        }
        try runner.preflight()
        try store.checkOwner(ExperimentManifest(source: ExperimentManifest.sourcePath(file), cells: expanded.map(\.id)))
        if cells != nil { ParentWatch.startIfWorker() }
        CellLock.discardUnfinishedOnSignals()
        do {
            if jobs > 1 && cells == nil {
                try runInChildren(runner)
                try store.rebuildSummary()
            } else {
                try runner.run()
            }
        } catch let error as RunFailure { throw error } catch { throw RunFailure(underlying: error) }
        if cells == nil {
            printTable(store: store, cells: selected)
            let stale = try store.staleCells()
            if !stale.isEmpty {
                print("\(stale.count) finished cell\(stale.count == 1 ? "" : "s") in \(store.root.path) \(stale.count == 1 ? "is" : "are") not in this expansion (stale, left out of the summary): \(stale.prefix(8).joined(separator: ", "))\(stale.count > 8 ? ", …" : "")")
            }
        }
        let unfinished = selected.filter { !store.isFinished($0.id) }.count
        if unfinished > 0 { throw IncompleteRun(held: unfinished, results: store.root.path) }
    }

    /// Splits the pending groups over `jobs` child processes (`--cells`), each with cores/jobs threads.
    func runInChildren(_ runner: ExperimentRunner) throws {
        try runner.store.prepare()
        try runner.store.claim(ExperimentManifest(source: ExperimentManifest.sourcePath(file), cells: runner.cells.map(\.id)))
        let groups = ExperimentRunner.groups(runner.pending)
        let perJob = max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
        var processes = [Process]()
        for j in 0..<min(jobs, groups.count) {
            let ids = groups.enumerated().filter { $0.offset % jobs == j }.flatMap(\.element).map(\.id)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            p.arguments = ["run", file] + overrides + ["--results", results, "--threads", "\(perJob)", "--chunk-tflop", "\(chunkTFLOP)", "--cells", ids.joined(separator: ",")]
                + (force ? ["--force"] : [])
            p.environment = ProcessInfo.processInfo.environment.merging([ParentWatch.variable: "\(getpid())"]) { $1 }
            try p.run()
            processes.append(p)
        }
        for p in processes { p.waitUntilExit() }
        // A worker that found cells held by another run (exit 3) is not a failure: the count of
        // unfinished cells says so afterwards.
        if let failed = processes.first(where: { $0.terminationStatus != 0 && $0.terminationStatus != ExitStatus.incomplete }) {
            throw RunFailure(underlying: WorkerFailure(status: failed.terminationStatus, reason: failed.terminationReason == .uncaughtSignal ? "signal" : "exit"))
        }
    }

    func printTable(store: ResultStore, cells: [ExperimentCell]) {
        guard let rows = try? store.finishedRecords() else { return }
        let byCell = Dictionary(rows.map { ($0.cell, $0) }, uniquingKeysWith: { a, _ in a })
        var table = TextTable(["cell"] + (cells.first?.axes.map(\.key) ?? []) + ["NFE/sample", "GFLOP/sample", "score", "FID", "IS", "precision", "recall", "cell s"])
        for cell in cells {
            guard let r = byCell[cell.id] else { continue }
            func num(_ v: Double?, _ d: Int) -> String { v.map { fmt($0, d) } ?? "" }
            // A metric with its 95 % interval when the cell has one: "v [low, high]".
            func metric(_ v: Double?, _ column: String, _ d: Int) -> String {
                guard let v else { return "" }
                guard let i = r.intervals[column] else { return fmt(v, d) }
                return "\(fmt(v, d)) [\(fmt(i.low, d)), \(fmt(i.high, d))]"
            }
            table.add([cell.id] + cell.axes.map(\.value) + [num(r.ledger.nfePerSample, 0), num(r.ledger.gflopsPerSample, 2),
                       metric(r.verifierScores.mean, "score.mean", 3), metric(r.metrics.fid, "fid", 2), metric(r.metrics.isMean, "is_mean", 2),
                       metric(r.metrics.precision, "precision", 3), metric(r.metrics.recall, "recall", 3), num(r.ledger.seconds, 1)])
        }
        print(table.render())
        print("[…]: 95 % bootstrap intervals (none for FID below 128 samples); cell s: the seconds the cell's ledger charges it (a shared pool's time apportioned by candidates); results: \(store.root.path) (summary.jsonl, summary.csv, one folder per cell)")
    }

    func gitCommit() -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !out.isEmpty ? out : nil
    }
}

/// A `--jobs` worker that ended with an error or a signal.
struct WorkerFailure: Error, CustomStringConvertible {
    let status: Int32
    let reason: String
    var description: String { reason == "signal" ? "a job was killed by signal \(status)" : "a job failed with status \(status)" }
}
