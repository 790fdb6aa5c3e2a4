import Foundation
import Testing
import SiftModels
import SiftNN
@testable import SiftExperiments

/// Faults of a run: bad models found before anything is written, exit codes, signals, a killed
/// `--jobs` parent, a full disk, stale and foreign cells, cells held by another run, changed weights.
@Suite(.serialized) struct FaultTests {
    /// The tiny experiment with `model` in place of the tiny weights.
    static func yaml(model: String, name: String = "tiny") -> String {
        TinyExperiment.yaml.replacingOccurrences(of: "model: \(CLITests.tiny)", with: "model: \(model)").replacingOccurrences(of: "name: tiny", with: "name: \(name)")
    }

    /// A file in the test folder holding `data`.
    static func file(_ name: String, _ data: Data) throws -> String {
        let url = TinyExperiment.folder.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// The tiny experiment's architecture.
    static var tinyConfig: SiTConfig {
        var config = SiTConfig(name: "tiny", depth: 2, width: 32, heads: 2)
        config.patch = 4
        return config
    }

    static func runner(_ yaml: String, results: URL, source: String? = nil) throws -> ExperimentRunner {
        var options = ExperimentRunner.Options()
        options.source = source
        return ExperimentRunner(cells: try ExperimentExpansion.cells(file: "bad.yaml", text: yaml, overrides: []),
                                store: ResultStore(root: results.appendingPathComponent("tiny")), options: options, progress: ProgressReporter(quiet: true))
    }

    /// Every model a cell cannot use is an error at the `model:` line, and nothing is written.
    @Test func badModelsAreFoundBeforeAnythingIsWritten() throws {
        let weights = try Data(contentsOf: URL(fileURLWithPath: CLITests.tiny))
        let config = Self.tinyConfig
        var nanModel = SiT(config, seed: 1).stateDict()
        nanModel["final_layer.linear.bias"]!.values[3] = .nan
        let nanPath = TinyExperiment.folder.appendingPathComponent("nan.safetensors")
        try SafetensorsFile(tensors: nanModel, metadata: ["config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self)]).write(to: nanPath)
        let cases: [(String, String)] = [
            ("sit-xl", "unknown model 'sit-xl'; known: sit-s, sit-b, sit-l"),
            ("/no/such/weights.safetensors", "no weights file at /no/such/weights.safetensors"),
            ("clf-mlp", "'clf-mlp' is a classifier, not a diffusion model"),
            (try Self.file("picture.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 64))), "picture.png"),
            (try Self.file("truncated.safetensors", weights.prefix(weights.count / 2)), "truncated.safetensors"),
            (nanPath.path, "tensor 'final_layer.linear.bias' holds nan at element 3"),
        ]
        for (model, expected) in cases {
            let results = TinyExperiment.results("bad-model")
            do {
                try Self.runner(Self.yaml(model: model), results: results).run()
                Issue.record("\(model) accepted")
            } catch let error as ConfigError {
                #expect(error.description.hasPrefix("bad.yaml:2:8: 'model': ") && error.description.contains(expected), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: results.path), "\(model) left \(results.path)")
        }
    }

    /// `--dry-run` loads the models too; input errors exit 1 without the usage block, usage errors 64 with it.
    @Test func exitCodesAndDryRunCatchBadInput() throws {
        let bad = try Self.file("sit-xl.yaml", Data(Self.yaml(model: "sit-xl").utf8))
        let dry = try CLITests.sift(["run", bad, "--dry-run", "--results", TinyExperiment.results("dry-bad").path])
        #expect(dry.status == 1 && dry.err.contains("sit-xl.yaml:2:8: 'model': unknown model 'sit-xl'") && !dry.err.contains("Usage:"), "\(dry.err)")
        let missing = try CLITests.sift(["run", "/no/such/experiment.yaml"])
        #expect(missing.status == 1 && missing.err.contains("/no/such/experiment.yaml: cannot read the experiment file") && !missing.err.contains("Usage:"), "\(missing.err)")
        let shard = try CLITests.sift(["run", TinyExperiment.file, "--shard", "3/2", "--dry-run"])
        #expect(shard.status == 1 && shard.err.contains("--shard must be i/n") && !shard.err.contains("Usage:"), "\(shard.err)")
        let usage = try CLITests.sift(["run", TinyExperiment.file, "--no-such-flag"])
        #expect(usage.status == 64 && usage.err.contains("Usage:"), "\(usage.err)")
        for arguments in [["--jobs", "0"], ["--threads", "0"]] {
            let r = try CLITests.sift(["run", TinyExperiment.file, "--dry-run"] + arguments)
            #expect(r.status == 64 && r.err.contains("must be at least 1"), "\(r.err)")
        }
        // Guidance the 32-bit velocities cannot hold is refused, not a crash (SIGILL was 132).
        for value in ["nan", "inf", "1e39"] {
            let r = try CLITests.sift(["sample", "--model", CLITests.tiny, "--guidance", value, "--out", TinyExperiment.results("g").path + ".png"])
            #expect(r.status == 64 && r.err.contains("--guidance: a guidance scale must be a finite number in [0, 100]"), "\(value): \(r.status) \(r.err)")
        }
    }

    /// A shrunk grid leaves its other cells out of the summary (listed as stale); a second file
    /// with the same name is refused; a deleted summary is rebuilt by the report.
    @Test func summaryHoldsTheLatestExpansionOfOneFile() throws {
        let results = TinyExperiment.results("stale")
        let full = try CLITests.sift(["run", TinyExperiment.file, "--results", results.path])
        #expect(full.status == 0, "\(full.err)")
        let summary = results.appendingPathComponent("tiny/summary.jsonl")
        let shrunk = try CLITests.sift(["run", TinyExperiment.file, "algorithm.candidates=1,2", "--results", results.path])
        #expect(shrunk.status == 0 && shrunk.out.contains("2 finished cells in ") && shrunk.out.contains("not in this expansion (stale"), "\(shrunk.out)")
        #expect(try String(contentsOf: summary, encoding: .utf8).split(separator: "\n").count == 4)
        let other = try Self.file("other.yaml", Data(TinyExperiment.yaml.utf8))
        let foreign = try CLITests.sift(["run", other, "--results", results.path])
        #expect(foreign.status == 1 && foreign.err.contains("holds the results of '") && foreign.err.contains("has the same name 'tiny'"), "\(foreign.err)")
        let foreignDry = try CLITests.sift(["run", other, "--dry-run", "--results", results.path])
        #expect(foreignDry.status == 1, "\(foreignDry.err)")
        try FileManager.default.removeItem(at: summary)
        let report = try CLITests.sift(["report", results.appendingPathComponent("tiny").path, "--table", "is_mean"])
        #expect(report.status == 0 && FileManager.default.fileExists(atPath: summary.path), "\(report.err)")
        let bogus = try CLITests.sift(["report", results.appendingPathComponent("tiny").path, "--series", "bogus"])
        #expect(bogus.status == 1 && bogus.err.contains("--series 'bogus' is not a column") && bogus.err.contains("axis.verifier"), "\(bogus.err)")
    }

    /// A run that finds cells held by another live run finishes the rest and exits 3, saying so.
    @Test func cellsHeldElsewhereMakeTheRunIncomplete() throws {
        let results = TinyExperiment.results("held")
        let cells = try TinyExperiment.cells()
        let held = try #require(try CellLock.acquire(results.appendingPathComponent("tiny/\(cells[0].id)")))
        defer { held.release() }
        let r = try CLITests.sift(["run", TinyExperiment.file, "--results", results.path])
        #expect(r.status == 3 && r.err.contains("1 cell is still being written by another run"), "\(r.status) \(r.err)")
        #expect(cells.dropFirst().allSatisfy { FileManager.default.fileExists(atPath: results.appendingPathComponent("tiny/\($0.id)/metrics.json").path) })
    }

    /// New weights at the same path make the finished cells stale; they are recomputed.
    @Test func changedWeightsMakeCellsStale() throws {
        let weights = TinyExperiment.folder.appendingPathComponent("changing.safetensors")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: CLITests.tiny), to: weights)
        let yaml = Self.yaml(model: weights.path)
        let results = TinyExperiment.results("weights")
        let first = try Self.runner(yaml, results: results)
        #expect(try first.run().count == 6)
        let again = try Self.runner(yaml, results: results)
        try again.preflight()
        #expect(again.pending.isEmpty)
        let config = Self.tinyConfig
        let other = SiT(config, seed: 9)
        other.perturbWeights(scale: 0.05, seed: 5)
        try SafetensorsFile(tensors: other.stateDict(), metadata: ["config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self)]).write(to: weights)
        let changed = try Self.runner(yaml, results: results)
        try changed.preflight()
        #expect(changed.pending.count == 6)
        #expect(try changed.run().count == 6)
        let hashes = Set(try ResultStore(root: results.appendingPathComponent("tiny")).finishedRecords().map(\.weightsHash))
        #expect(hashes.count == 1 && hashes.first! != nil)
    }

    /// A results disk that fills mid-run (here `ulimit -f`) stops the run with exit 2 and the
    /// file it could not write; no cell is left half-written or marked finished.
    @Test func fullDiskStopsTheRunCleanly() throws {
        let results = TinyExperiment.results("full")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -f 2; exec \"$0\" run \"$1\" --results \"$2\"", TinyExperiment.sift.path, TinyExperiment.file, results.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 2 && text.contains("File too large"), "\(p.terminationStatus) \(text)")
        let folder = results.appendingPathComponent("tiny")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder)
            if isFolder.boolValue {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(name)/metrics.json").path), "half-written cell \(name)")
            }
        }
        let rerun = try CLITests.sift(["run", TinyExperiment.file, "--results", results.path])
        #expect(rerun.status == 0, "\(rerun.err)")
    }

    /// An experiment slow enough to be interrupted: four seeds (four groups of shared work).
    static var slowFile: String {
        get throws {
            let yaml = TinyExperiment.yaml.replacingOccurrences(of: "samples: {per_class: 2, classes: [0, 3, 7]}", with: "samples: {per_class: 12}")
                .replacingOccurrences(of: "sampler: {search_steps: 2, final_steps: 3}", with: "sampler: {search_steps: 8, final_steps: 8}")
                .replacingOccurrences(of: "  algorithm.candidates: [1, 2, 4]", with: "  algorithm.candidates: [16]\n  seed: [0, 1, 2, 3]")
                .replacingOccurrences(of: "name: tiny", with: "name: slow")
            return try Self.file("slow.yaml", Data(yaml.utf8))
        }
    }

    /// Cell folders without `metrics.json` under `folder`.
    static func unfinished(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { name in
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder)
            return isFolder.boolValue && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(name)/metrics.json").path)
        }
    }

    /// SIGTERM mid-run: the process dies of it (status 143 in a shell), its unfinished cells are
    /// removed, and a rerun finishes the experiment.
    @Test func sigtermLeavesNoPartialCellAndARerunResumes() throws {
        let results = TinyExperiment.results("sigterm")
        let p = try TinyExperiment.runSift(["run", try Self.slowFile, "--results", results.path])
        let folder = results.appendingPathComponent("slow")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, Self.unfinished(folder).isEmpty { usleep(20_000) }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM, "\(p.terminationReason) \(p.terminationStatus)")
        #expect(Self.unfinished(folder).isEmpty, "\(Self.unfinished(folder))")
        let rerun = try TinyExperiment.runSift(["run", try Self.slowFile, "--results", results.path])
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0)
        #expect(try ResultStore(root: folder).finishedRecords().count == 8)
    }

    /// Child pids of `parent` (from /proc).
    static func children(of parent: pid_t) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
        }
    }

    /// Whether `pid` runs (a zombie waiting to be reaped does not).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// `kill -9` of a `--jobs 2` parent stops its workers too (they watch their parent).
    @Test func killedJobsParentTakesItsWorkersWithIt() throws {
        let results = TinyExperiment.results("jobs-kill")
        let p = try TinyExperiment.runSift(["run", try Self.slowFile, "--results", results.path, "--jobs", "2"])
        let deadline = Date().addingTimeInterval(60)
        var workers = [pid_t]()
        while Date() < deadline, workers.count < 2 { workers = Self.children(of: p.processIdentifier); usleep(20_000) }
        #expect(workers.count == 2)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let gone = Date().addingTimeInterval(10)
        while Date() < gone, workers.contains(where: Self.isAlive) { usleep(50_000) }
        #expect(!workers.contains(where: Self.isAlive), "workers outlived their parent")
        #expect(Self.unfinished(results.appendingPathComponent("slow")).isEmpty)
    }

    /// The end-of-cell line shows only the metrics the cell asked for.
    @Test func progressLineShowsOnlyRequestedMetrics() throws {
        var record = ResultStoreTests.record("a", index: 0, verifier: "clf-mlp", budget: 2)
        record.metrics.fid = nil
        record.metrics.isMean = nil
        #expect(ExperimentRunner.progressSummary(record) == "score 1.500, 0 NFE/sample")
        record.metrics.isMean = 5.5
        #expect(ExperimentRunner.progressSummary(record).hasPrefix("IS 5.50, score 1.500"))
    }
}
