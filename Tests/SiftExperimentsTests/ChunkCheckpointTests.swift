import Foundation
import Testing
@testable import SiftExperiments
@testable import SiftSearch
import SiftTensor

/// Checkpoints inside a cell: a large group runs in chunks of slots, each saved as it finishes; a
/// run stopped between chunks resumes from them and gives the same results as one that was not
/// stopped, and the same choices and samples as a run of the whole task at once.
@Suite(.serialized) struct ChunkCheckpointTests {
    /// A runner of the tiny experiment (3 classes × 2 samples, one group of 6 cells) into `results`.
    static func runner(_ results: URL, chunkFLOPs: Double, overrides: [String] = [], onChunkSaved: ((Int) throws -> Void)? = nil) throws -> ExperimentRunner {
        var options = ExperimentRunner.Options()
        options.chunkFLOPs = chunkFLOPs
        options.onChunkSaved = onChunkSaved
        return ExperimentRunner(cells: try TinyExperiment.cells(overrides), store: ResultStore(root: results.appendingPathComponent("tiny")),
                                options: options, progress: ProgressReporter(quiet: true))
    }

    struct Stop: Error {}

    static func bytes(_ results: URL, _ cell: String, _ file: String) throws -> Data {
        try Data(contentsOf: results.appendingPathComponent("tiny/\(cell)/\(file)"))
    }

    static func chunkFiles(_ results: URL) -> [String] {
        let root = results.appendingPathComponent("tiny/.chunks")
        return ((try? FileManager.default.subpathsOfDirectory(atPath: root.path)) ?? []).filter { $0.hasSuffix(".safetensors") }
    }

    @Test func aStoppedRunResumesFromItsChunksWithTheSameResults() throws {
        // One slot per chunk: six chunks, each saved for all six cells of the group.
        let whole = TinyExperiment.results("chunks-whole"), straight = TinyExperiment.results("chunks-straight")
        let stopped = TinyExperiment.results("chunks-stopped")
        try Self.runner(whole, chunkFLOPs: 1e18).run()
        let reference = try Self.runner(straight, chunkFLOPs: 1)
        try reference.run()
        #expect(reference.chunksSaved == 6)
        #expect(Self.chunkFiles(straight).isEmpty, "chunks of finished cells are removed")

        #expect(throws: Stop.self) { try Self.runner(stopped, chunkFLOPs: 1) { if $0 == 2 { throw Stop() } }.run() }
        #expect(Self.chunkFiles(stopped).count == 2 * 6)
        #expect(try ResultStore(root: stopped.appendingPathComponent("tiny")).finishedRecords().isEmpty)
        let resumed = try Self.runner(stopped, chunkFLOPs: 1)
        try resumed.run()
        #expect(resumed.chunksSaved == 4, "the two saved chunks are not computed again")
        #expect(Self.chunkFiles(stopped).isEmpty)

        #expect(try TinyExperiment.summary(stopped) == TinyExperiment.summary(straight))
        for cell in try TinyExperiment.cells() {
            for file in ["selection.jsonl", "samples.png", "features.npy", "logits.npy"] {
                #expect(try Self.bytes(stopped, cell.id, file) == Self.bytes(straight, cell.id, file), "\(cell.id) \(file): resumed")
            }
            for file in ["selection.jsonl", "samples.png", "features.npy"] {
                #expect(try Self.bytes(whole, cell.id, file) == Self.bytes(straight, cell.id, file), "\(cell.id) \(file): chunked")
            }
            let a = try #require(ResultStore(root: whole.appendingPathComponent("tiny")).record(cell.id))
            let b = try #require(ResultStore(root: straight.appendingPathComponent("tiny")).record(cell.id))
            #expect(a.ledger.totalNFE == b.ledger.totalNFE && a.ledger.verifierPasses == b.ledger.verifierPasses && a.ledger.samples == b.ledger.samples)
            #expect(a.verifierScores.trace.count == b.verifierScores.trace.count)
            for (x, y) in zip(a.verifierScores.trace, b.verifierScores.trace) { #expect(abs(x - y) <= 1e-12 * max(1, abs(x))) }
        }
    }

    @Test func chunksFollowTheCostAndKeepSetLevelVerifiersWhole() throws {
        let results = TinyExperiment.results("chunk-plan")
        let runner = try Self.runner(results, chunkFLOPs: 1)
        let group = ExperimentRunner.groups(try TinyExperiment.cells())[0]
        let algorithm = try group[0].config.algorithm.makeAlgorithm(budgets: group.map(\.config.algorithm.budget))
        let sit = try runner.model(group[0].config.model)
        let task = SearchTask(classes: [0, 3, 7], perClass: 2)
        let single = try runner.chunks(of: task, group: group, algorithm: algorithm, sit: sit)
        #expect(single.map(\.slots) == task.slots.map { [$0] })
        let wide = try Self.runner(results, chunkFLOPs: 1e18).chunks(of: task, group: group, algorithm: algorithm, sit: sit)
        #expect(wide.count == 1 && wide[0].slots == task.slots)
        // About two slots' cost: blocks of two samples within each class.
        let two = SearchTask(classes: [0, 3], perClass: 5)
        let slotCost = try #require(try runner.slotFLOPs(of: two, group: group, algorithm: algorithm, sit: sit))
        let pairs = try Self.runner(results, chunkFLOPs: 2.5 * slotCost).chunks(of: two, group: group, algorithm: algorithm, sit: sit)
        #expect(pairs.map(\.slots).joined().map { $0 } == two.slots, "chunks cover the slots in order")
        #expect(pairs.map(\.count) == [2, 2, 1, 2, 2, 1])
        let oracle = ExperimentRunner.groups(try TinyExperiment.cells(["verifier=fid-oracle"]))[0]
        #expect(try runner.chunks(of: task, group: oracle, algorithm: algorithm, sit: sit).map(\.slots) == task.slots.map { [$0] },
                "the FID oracle hands its running set from chunk to chunk")
        let ensemble = ExperimentRunner.groups(try TinyExperiment.cells(["verifier=mean-rank(fid-oracle,clf-mlp)"]))[0]
        #expect(try runner.chunks(of: task, group: ensemble, algorithm: algorithm, sit: sit).count == 1,
                "an ensemble with the FID oracle cannot hand its set on, and runs whole")
    }

    /// A chunk file gives back the verifier's running state exactly, whatever the doubles.
    @Test func aChunkKeepsTheVerifiersRunningStateExactly() throws {
        let store = ChunkStore(results: ResultStore(root: TinyExperiment.results("chunk-state").appendingPathComponent("tiny")))
        let chunk = SearchTask(classes: [3], perClass: 1)
        let state: [Double] = [2, 0.1, 1.0 / 3, -2.5e-300, 6.02214076e23, Double.pi * 1e7, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let outcome = SearchOutcome(algorithm: "random", budgetName: "candidates", budget: 4, noSearch: false,
                                    images: Tensor([0.5, -0.25], shape: [1, 1, 1, 2]), early: nil,
                                    chosen: [ChosenSample(key: CandidateKey(classIndex: 3, sample: 0, candidate: 2), searchScore: -1.5)],
                                    trace: [-1.5], ledger: Ledger(samples: 1), verifierState: state)
        try store.save(outcome, cell: "c", chunk: chunk, weightsHash: "w")
        let loaded = try #require(store.load("c", chunk, weightsHash: "w"))
        #expect(try #require(loaded.verifierState).map(\.bitPattern) == state.map(\.bitPattern))
        try store.save(SearchOutcome(algorithm: "random", budgetName: "candidates", budget: 4, noSearch: false, images: outcome.images, early: nil,
                                     chosen: outcome.chosen, trace: outcome.trace, ledger: outcome.ledger), cell: "c", chunk: chunk, weightsHash: "w")
        #expect(try #require(store.load("c", chunk, weightsHash: "w")).verifierState == nil)
    }

    /// The FID oracle's scores depend on the winners of every earlier slot: run in chunks (each
    /// starting from the running set the previous one saved), stopped and resumed, it chooses
    /// the same candidates and gives the same samples as a run of the whole task.
    @Test func theFIDOracleRunsInChunksWithTheWholeRunsChoices() throws {
        let oracle = ["verifier=fid-oracle"]
        let whole = TinyExperiment.results("oracle-whole"), stopped = TinyExperiment.results("oracle-stopped")
        try Self.runner(whole, chunkFLOPs: 1e18, overrides: oracle).run()
        #expect(throws: Stop.self) { try Self.runner(stopped, chunkFLOPs: 1, overrides: oracle) { if $0 == 3 { throw Stop() } }.run() }
        let resumed = try Self.runner(stopped, chunkFLOPs: 1, overrides: oracle)
        try resumed.run()
        #expect(resumed.chunksSaved == 3, "the three saved chunks are not computed again")
        let cells = try TinyExperiment.cells(oracle)
        #expect(cells.count == 3 && cells.allSatisfy { $0.config.verifier == "fid-oracle" })
        for cell in cells {
            for file in ["selection.jsonl", "samples.png", "features.npy"] {
                #expect(try Self.bytes(whole, cell.id, file) == Self.bytes(stopped, cell.id, file), "\(cell.id) \(file)")
            }
        }
        // The test can fail: without the carried set, the later chunks choose differently.
        let fresh = TinyExperiment.results("oracle-fresh")
        let runner = try Self.runner(fresh, chunkFLOPs: 1, overrides: oracle)
        let group = ExperimentRunner.groups(cells)[0]
        let algorithm = try group[0].config.algorithm.makeAlgorithm(budgets: group.map(\.config.algorithm.budget))
        let sit = try runner.model(group[0].config.model)
        let task = SearchTask(classes: group[0].config.classes, perClass: group[0].config.perClass)
        let chunks = try runner.chunks(of: task, group: group, algorithm: algorithm, sit: sit)
        var carried = [String: [Double]](), alone = [SearchOutcome](), continued = [SearchOutcome]()
        let widest = try #require(group.first { $0.config.algorithm.budget == 4 })
        for chunk in chunks {
            alone += try runner.search(chunk, cells: [widest], algorithm: algorithm, sit: sit).map(\.1)
            let next = try runner.search(chunk, cells: [widest], algorithm: algorithm, sit: sit, runningStates: carried)[0].1
            carried[widest.id] = try #require(next.verifierState)
            continued.append(next)
        }
        #expect(try #require(carried[widest.id]).first == Double(task.count), "the running set holds every slot's winner")
        #expect(alone.map { $0.chosen.map(\.key) } != continued.map { $0.chosen.map(\.key) })
    }
}
