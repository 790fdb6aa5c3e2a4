import Foundation
import Testing
import SiftModels
import SiftNN
import SiftTensor
@testable import SiftExperiments

/// A tiny experiment on a tiny SiT (weights written to a temporary folder), run end to end.
enum TinyExperiment {
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sift-e2e-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var config = SiTConfig(name: "tiny", depth: 2, width: 32, heads: 2)
        config.patch = 4
        let model = SiT(config, seed: 1)
        model.perturbWeights(scale: 0.05, seed: 77)
        let json = String(decoding: try! JSONEncoder().encode(config), as: UTF8.self)
        try! SafetensorsFile(tensors: model.stateDict(), metadata: ["config": json]).write(to: url.appendingPathComponent("tiny.safetensors"))
        try! yaml(in: url).write(to: url.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        return url
    }()

    static var yaml: String { yaml(in: folder) }

    static func yaml(in folder: URL) -> String {
        """
        name: tiny
        model: \(folder.appendingPathComponent("tiny.safetensors").path)
        sampler: {search_steps: 2, final_steps: 3}
        samples: {per_class: 2, classes: [0, 3, 7]}
        algorithm: {kind: random}
        grid:
          verifier: [clf-mlp, is-oracle]
          algorithm.candidates: [1, 2, 4]
        """
    }

    static var file: String { folder.appendingPathComponent("tiny.yaml").path }

    static func cells(_ overrides: [String] = []) throws -> [ExperimentCell] {
        try ExperimentExpansion.cells(file: file, text: yaml, overrides: overrides)
    }

    static func runner(results: URL, only: Set<String>? = nil) throws -> ExperimentRunner {
        var options = ExperimentRunner.Options()
        options.only = only
        return ExperimentRunner(cells: try cells(), store: ResultStore(root: results.appendingPathComponent("tiny")), options: options,
                                progress: ProgressReporter(quiet: true))
    }

    /// `summary.jsonl` rows without wall-clock fields (which no two runs share).
    static func summary(_ results: URL) throws -> [String] {
        let text = try String(contentsOf: results.appendingPathComponent("tiny/summary.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            var row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for column in ResultStore.wallClockColumns { row[column] = nil }
            return String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    static func results(_ label: String) -> URL { folder.appendingPathComponent("results-\(label)-\(UUID().uuidString)") }

    /// The `sift` executable built beside the test bundle.
    static var sift: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sift")
    }

    static func runSift(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = sift
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }
}

@Suite(.serialized) struct EndToEndTests {
    /// The uninterrupted reference run.
    static let reference: (url: URL, rows: [String]) = {
        let url = TinyExperiment.results("reference")
        _ = try! TinyExperiment.runner(results: url).run()
        return (url, try! TinyExperiment.summary(url))
    }()

    @Test func runWritesEveryFileAndRerunDoesNoWork() throws {
        let (url, rows) = Self.reference
        #expect(rows.count == 6)
        let cells = try TinyExperiment.cells()
        for cell in cells {
            for file in ["config.yaml", "metrics.json", "samples.png", "selection.jsonl"] {
                #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("tiny/\(cell.id)/\(file)").path), "\(cell.id)/\(file)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("tiny/summary.csv").path))
        // The written config reads back as the same cell.
        let config = try String(contentsOf: url.appendingPathComponent("tiny/\(cells[4].id)/config.yaml"), encoding: .utf8)
        #expect(try ExperimentExpansion.cells(file: "config.yaml", text: config, overrides: [])[0].id == cells[4].id)
        #expect(try TinyExperiment.runner(results: url).run().isEmpty)
        // Candidate 0 of N = 1 is the plain sample: no search cost in its ledger.
        let row = try JSONSerialization.jsonObject(with: Data(rows[0].utf8)) as! [String: Any]
        #expect(row["ledger.search_nfe"] as? Double == 0 && row["ledger.final_nfe"] as? Double == 6 * 5)
    }

    @Test func interruptedRunResumesToTheSameSummary() throws {
        let url = TinyExperiment.results("resumed")
        let cells = try TinyExperiment.cells()
        _ = try TinyExperiment.runner(results: url, only: Set(cells.prefix(2).map(\.id))).run()
        // A cell left half-written by a killed process: files but no metrics.json, a stale lock.
        let broken = url.appendingPathComponent("tiny/\(cells[3].id)")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("garbage".utf8).write(to: broken.appendingPathComponent("samples.png"))
        try Data("999999\n".utf8).write(to: broken.appendingPathComponent(".lock"))
        let finished = try TinyExperiment.runner(results: url).run()
        #expect(finished.count == 4)
        #expect(try TinyExperiment.summary(url) == Self.reference.rows)
    }

    @Test func shardsTogetherEqualTheWhole() throws {
        let url = TinyExperiment.results("shards")
        let groups = ExperimentRunner.groups(try TinyExperiment.cells())
        for shard in 0..<2 {
            let ids = groups.enumerated().filter { $0.offset % 2 == shard }.flatMap(\.element).map(\.id)
            _ = try TinyExperiment.runner(results: url, only: Set(ids)).run()
        }
        #expect(try TinyExperiment.summary(url) == Self.reference.rows)
    }

    @Test func liveLockSkipsTheCell() throws {
        let url = TinyExperiment.results("locked")
        let cells = try TinyExperiment.cells()
        // A lock held elsewhere (flock locks belong to open files, so a second open here is refused).
        let folder = url.appendingPathComponent("tiny/\(cells[0].id)")
        let held = try #require(try CellLock.acquire(folder))
        defer { held.release() }
        #expect(try CellLock.acquire(folder) == nil)
        let finished = try TinyExperiment.runner(results: url, only: [cells[0].id, cells[2].id]).run()
        #expect(finished == [cells[2].id])
    }

    /// Two queues on one file: a cell another run finished after this one listed its pending cells
    /// is skipped once its lock is held, not computed again.
    @Test func aCellFinishedByAnotherRunMeanwhileIsNotRunAgain() throws {
        let url = TinyExperiment.results("meanwhile")
        let first = try TinyExperiment.runner(results: url)
        let todo = first.pending  // listed before the other run
        #expect(first.stillPending(todo).count == todo.count && !todo.isEmpty)
        _ = try TinyExperiment.runner(results: url).run()
        #expect(first.stillPending(todo).isEmpty)
        #expect(try first.run().isEmpty)
    }

    @Test func cliJobsShardsAndKillNineMatchTheReference() throws {
        #expect(FileManager.default.isExecutableFile(atPath: TinyExperiment.sift.path), "build the sift executable first")
        // --jobs 2 (two processes of one thread each).
        let jobs = TinyExperiment.results("jobs")
        let p = try TinyExperiment.runSift(["run", TinyExperiment.file, "--results", jobs.path, "--jobs", "2"])
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try TinyExperiment.summary(jobs) == Self.reference.rows)
        // --shard 1/2 then 2/2.
        let shards = TinyExperiment.results("cli-shards")
        for s in ["1/2", "2/2"] {
            let q = try TinyExperiment.runSift(["run", TinyExperiment.file, "--results", shards.path, "--shard", s])
            q.waitUntilExit()
            #expect(q.terminationStatus == 0)
        }
        #expect(try TinyExperiment.summary(shards) == Self.reference.rows)
        // kill -9 once the first cell has finished, then rerun.
        let killed = TinyExperiment.results("killed")
        let r = try TinyExperiment.runSift(["run", TinyExperiment.file, "--results", killed.path])
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: killed.appendingPathComponent("tiny").path)) ?? []
            if names.contains(where: { FileManager.default.fileExists(atPath: killed.appendingPathComponent("tiny/\($0)/metrics.json").path) }) { break }
            usleep(2000)
        }
        kill(r.processIdentifier, SIGKILL)
        r.waitUntilExit()
        let again = try TinyExperiment.runSift(["run", TinyExperiment.file, "--results", killed.path])
        again.waitUntilExit()
        #expect(again.terminationStatus == 0)
        #expect(try TinyExperiment.summary(killed) == Self.reference.rows)
    }
}
