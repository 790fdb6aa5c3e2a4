import Foundation
import Testing
import SiftMetrics
import SiftSearch
@testable import SiftExperiments

/// Per-sample cell data, intervals in records, `sift evaluate` on cells without them, and
/// `sift compare`.
@Suite(.serialized) struct EvaluationTests {
    static let yaml = """
    name: evaluated
    model: \(TinyExperiment.folder.appendingPathComponent("tiny.safetensors").path)
    sampler: {search_steps: 2, final_steps: 3}
    samples: {per_class: 3, classes: [0, 3]}
    verifier: clf-mlp
    held_out: [is-oracle]
    bootstrap: {replicates: 200}
    grid:
      algorithm: [{kind: random, candidates: 1}, {kind: random, candidates: 3}, {kind: zero-order, neighbours: 2, iterations: 1}]
    """

    static func run() throws -> (store: ResultStore, cells: [ExperimentCell]) {
        let cells = try ExperimentExpansion.cells(file: "evaluated.yaml", text: yaml, overrides: [])
        let store = ResultStore(root: TinyExperiment.results("evaluated").appendingPathComponent("evaluated"))
        _ = try ExperimentRunner(cells: cells, store: store, options: .init(), progress: ProgressReporter(quiet: true)).run()
        return (store, cells)
    }

    static func record(_ store: ResultStore, _ id: String) throws -> CellResult {
        try CellResult.decoder.decode(CellResult.self, from: Data(contentsOf: store.folder(id).appendingPathComponent("metrics.json")))
    }

    @Test func cellsKeepTheirPerSampleDataAndIntervals() throws {
        let (store, cells) = try Self.run()
        let reference = try VerifierFactory().referenceSet()
        for cell in cells {
            let folder = store.folder(cell.id)
            let samples = try CellData.read(folder)
            let slots = try CellData.slots(folder)
            // One row per selection line, in its order.
            #expect(samples.features.rows == slots.count && samples.logits.rows == slots.count && samples.labels == slots.map { $0[0] })
            #expect(samples.values.keys.sorted() == ["held_out.is-oracle", "score.mean"])
            // The metrics recomputed from the saved features equal the stored ones.
            let record = try Self.record(store, cell.id)
            let again = try SampleMetrics.evaluate(features: samples.features, logits: samples.logits, labels: samples.labels, reference: reference.metrics)
            #expect(record.metrics.fid == again.fid && record.metrics.precision == again.precision && record.metrics.recall == again.recall)
            #expect(record.metrics.isMean == again.isMean && record.metrics.kidMean == again.kidMean && record.metrics.classFID == again.classFID)
            #expect(abs(record.metrics.heldOut["is-oracle"]! - samples.values["held_out.is-oracle"]!.reduce(0, +) / 6) < 1e-12)
            // Every metric and score column has an interval around its value, but FID and class FID,
            // which withhold theirs with fewer samples (6) than feature dimensions (128).
            #expect(Set(record.intervals.keys) == ["is_mean", "kid_mean", "precision", "recall", "score.mean", "held_out.is-oracle"])
            let isInterval = try #require(record.intervals["is_mean"])
            #expect(isInterval.low <= record.metrics.isMean! && record.metrics.isMean! <= isInterval.high)
            #expect(record.bootstrap?.replicates == 200)
        }
        let row = try store.rebuildSummary()[0]
        #expect(row["is_mean.ci_low"] is Double && row["fid.ci_low"] == nil && row["score.mean.ci_high"] is Double && row["held_out.is-oracle.ci_low"] is Double)
    }

    /// A cell stripped of its per-sample data (as cells from before intervals) gets it back from
    /// `evaluate`, bit for bit, for random search (winners regenerated) and zero-order (rerun).
    @Test func evaluateRebuildsWhatAFinishedCellLacks() throws {
        let (store, cells) = try Self.run()
        var before = [String: (Data, CellResult)]()
        for cell in cells {
            let folder = store.folder(cell.id)
            before[cell.id] = (try Data(contentsOf: folder.appendingPathComponent(CellData.featuresFile)), try Self.record(store, cell.id))
            var stripped = try Self.record(store, cell.id)
            stripped.intervals = [:]
            stripped.bootstrap = nil
            try store.write(stripped)
            for file in [CellData.featuresFile, CellData.logitsFile, CellData.heldOutFile] {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(file))
            }
        }
        let finished = try store.finishedCells()
        #expect(Set(finished.map(\.id)) == Set(cells.map(\.id)))
        let runner = ExperimentRunner(cells: finished, store: store, options: .init(), progress: ProgressReporter(quiet: true))
        #expect(try runner.evaluateFinished().count == 3)
        for cell in cells {
            let (features, record) = before[cell.id]!
            #expect(try Data(contentsOf: store.folder(cell.id).appendingPathComponent(CellData.featuresFile)) == features)
            let again = try Self.record(store, cell.id)
            #expect(again.intervals == record.intervals, "\(again.intervals) vs \(record.intervals)")
            #expect(again.metrics == record.metrics && again.ledger == record.ledger)
            #expect(again.provenance["evaluated"] != nil)
        }
        #expect(try runner.evaluateFinished().isEmpty)   // nothing left to do
        // From the saved data alone: the same metrics and intervals.
        #expect(try runner.recomputeFromSavedData().count == 3)
        for cell in cells { #expect(try Self.record(store, cell.id).intervals == before[cell.id]!.1.intervals) }
    }

    @Test func evaluateRefusesACellThatDisagreesWithItsRecord() throws {
        let (store, cells) = try Self.run()
        var record = try Self.record(store, cells[1].id)
        record.metrics.fid = record.metrics.fid! + 1
        record.intervals = [:]
        try store.write(record)
        let runner = ExperimentRunner(cells: try store.finishedCells(), store: store, options: .init(), progress: ProgressReporter(quiet: true))
        #expect(throws: StoreError.self) { try runner.evaluateFinished() }
        #expect(try Self.record(store, cells[1].id).intervals.isEmpty)   // left as it was
    }

    @Test func compareIsZeroForACellWithItselfAndRefusesOtherSlots() throws {
        let (store, cells) = try Self.run()
        let same = try CLITests.sift(["compare", store.folder(cells[1].id).path, store.folder(cells[1].id).path, "--replicates", "200"])
        #expect(same.status == 0, "\(same.err)")
        let fidLine = same.out.split(separator: "\n").first { $0.hasPrefix("is_mean ") }.map(String.init) ?? ""
        #expect(fidLine.contains("[0.0000, 0.0000]") && fidLine.contains("not separated"), "\(same.out)")
        let other = try CLITests.sift(["compare", store.folder(cells[0].id).path, store.folder(cells[2].id).path, "--replicates", "200", "--metrics", "fid,score.mean"])
        #expect(other.status == 0 && other.out.contains("score.mean"), "\(other.err)")
        // A cell of other slots is refused.
        let tiny = try ExperimentExpansion.cells(file: "e.yaml", text: Self.yaml.replacingOccurrences(of: "per_class: 3", with: "per_class: 2"), overrides: [])
        let otherStore = ResultStore(root: TinyExperiment.results("other").appendingPathComponent("evaluated"))
        _ = try ExperimentRunner(cells: [tiny[0]], store: otherStore, options: .init(), progress: ProgressReporter(quiet: true)).run()
        let refused = try CLITests.sift(["compare", store.folder(cells[0].id).path, otherStore.folder(tiny[0].id).path])
        #expect(refused.status != 0 && refused.err.contains("hold different sample slots"), "\(refused.err)")
    }

    /// `--in Results/<name>` picks each cell by its axis values (entries of a mapping-valued axis
    /// too); a selector that matches no cell, several, or names no axis is refused.
    @Test func compareSelectsCellsByAxisValuesInAnExperiment() throws {
        let (store, cells) = try Self.run()
        #expect(try Self.record(store, cells[1].id).axes == ["algorithm": "{kind: random, candidates: 3}"])
        let picked = try CLITests.sift(["compare", "--in", store.root.path, "candidates=1", "kind=random,candidates=3.0", "--replicates", "200", "--metrics", "score.mean"])
        #expect(picked.status == 0 && picked.out.contains("\(store.folder(cells[0].id).path) vs \(store.folder(cells[1].id).path)"), "\(picked.out) \(picked.err)")
        let unknown = try CLITests.sift(["compare", "--in", store.root.path, "bogus=1", "candidates=1"])
        #expect(unknown.status != 0 && unknown.err.contains("'bogus' is not an axis"), "\(unknown.err)")
        let none = try CLITests.sift(["compare", "--in", store.root.path, "candidates=2", "candidates=1"])
        #expect(none.status != 0 && none.err.contains("no finished cell"), "\(none.err)")
        let several = try CLITests.sift(["compare", "--in", store.root.path, "kind=random", "candidates=1"])
        #expect(several.status != 0 && several.err.contains("2 cells of"), "\(several.err)")
        let malformed = try CLITests.sift(["compare", "--in", store.root.path, "candidates", "candidates=1"])
        #expect(malformed.status != 0 && malformed.err.contains("is not key=value"), "\(malformed.err)")
    }

    /// `--seeds`: the selections are compared within each seed and Δ is summarised across seeds
    /// (its mean is the mean of the per-seed Δs); it needs --in and two or more seeds.
    @Test func compareAcrossSeedsSummarisesThePerSeedDifferences() throws {
        let yaml = Self.yaml.replacingOccurrences(of: "name: evaluated", with: "name: seeded\nreplicates: 2")
            .replacingOccurrences(of: ", {kind: zero-order, neighbours: 2, iterations: 1}", with: "")
        let cells = try ExperimentExpansion.cells(file: "seeded.yaml", text: yaml, overrides: [])
        #expect(cells.count == 4)
        let store = ResultStore(root: TinyExperiment.results("seeded").appendingPathComponent("seeded"))
        _ = try ExperimentRunner(cells: cells, store: store, options: .init(), progress: ProgressReporter(quiet: true)).run()
        let json = TinyExperiment.results("seeded-json").path + ".json"
        let r = try CLITests.sift(["compare", "--in", store.root.path, "candidates=1", "candidates=3", "--seeds", "0,1",
                                   "--replicates", "200", "--metrics", "score.mean", "--json", json])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("seed 0:") && r.out.contains("seed 1:") && r.out.contains("mean Δ over 2 seeds"), "\(r.out)")
        let perSeed = try JSONDecoder().decode([[PairedDifference]].self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(perSeed.count == 2 && perSeed.allSatisfy { $0.map(\.metric) == ["score.mean"] })
        let mean = (perSeed[0][0].difference + perSeed[1][0].difference) / 2
        let summary = r.out.split(separator: "\n").last { $0.hasPrefix("score.mean ") }.map(String.init) ?? ""
        #expect(summary.contains(String(format: "%.4f", mean)), "\(summary) vs \(mean)")
        // Refused: one seed, a seed that is not a number, --seeds without --in.
        for bad in [["--seeds", "0"], ["--seeds", "0,x"], ["--seeds", "0,0"]] {
            let refused = try CLITests.sift(["compare", "--in", store.root.path, "candidates=1", "candidates=3"] + bad)
            #expect(refused.status != 0 && refused.err.contains("--seeds"), "\(bad): \(refused.err)")
        }
        let noIn = try CLITests.sift(["compare", store.folder(cells[0].id).path, store.folder(cells[1].id).path, "--seeds", "0,1"])
        #expect(noIn.status != 0 && noIn.err.contains("--seeds needs --in"), "\(noIn.err)")
    }
}
