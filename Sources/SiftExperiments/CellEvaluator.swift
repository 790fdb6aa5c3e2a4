import Foundation
import SiftMetrics
import SiftModels
import SiftSearch
import SiftTensor

/// Rebuilds the per-sample data and intervals of finished cells (`sift evaluate`): regenerates
/// only their final samples — from the chosen keys where the algorithm can (random search), else
/// by rerunning the cell's search, whose choices must equal the recorded ones — checks that FID,
/// precision, recall, class FID and the held-out means equal the recorded values, then writes
/// `features.npy`, `logits.npy`, `held_out.csv` and a `metrics.json` with IS and KID in their
/// current definitions and every interval. A cell whose regeneration disagrees with its record is
/// left untouched and reported.
extension ExperimentRunner {
    /// Whether a finished cell already has its per-sample data and intervals.
    public func isEvaluated(_ id: String) -> Bool {
        let folder = store.folder(id)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(CellData.featuresFile).path),
              let data = try? Data(contentsOf: folder.appendingPathComponent("metrics.json")),
              let record = try? CellResult.decoder.decode(CellResult.self, from: data) else { return false }
        return !record.intervals.isEmpty
    }

    /// Evaluates the finished cells that lack per-sample data (all finished cells with `force`);
    /// returns the ids evaluated. A cell that cannot be evaluated (its regeneration disagrees with
    /// its record) is left as it is; the others go on, and the call then throws naming every failure.
    @discardableResult
    public func evaluateFinished(force: Bool = false) throws -> [String] {
        var failures = [String]()
        let done = try evaluateFinished(force: force, failures: &failures)
        guard failures.isEmpty else {
            throw StoreError(path: store.root.path, problem: "\(failures.count) cell(s) not evaluated (\(done.count) were):\n" + failures.joined(separator: "\n"))
        }
        return done
    }

    func evaluateFinished(force: Bool, failures: inout [String]) throws -> [String] {
        let todo = cells.filter { store.isFinished($0.id) && (force || !isEvaluated($0.id)) && (options.only?.contains($0.id) ?? true) }
        progress.start(total: todo.count, skipped: cells.count - todo.count)
        defer { progress.finish() }
        var done = [String]()
        var rerun = [ExperimentCell]()
        for cell in todo {
            let algorithm = try cell.config.algorithm.makeAlgorithm()
            let record = try readRecord(cell.id)
            let keys = try Self.selectionKeys(store.folder(cell.id))
            let sit = try model(cell.config.model)
            let context = try makeContext(sit, cell.config, verifier: cell.config.verifier, progress: true)
            progress.begin(cell: cell.id, samples: keys.count)
            guard let finals = algorithm.finalSamples(of: keys, context: context, earlyPrediction: context.recordEarlyPrediction) else {
                rerun.append(cell)
                continue
            }
            do {
                try withLocks([cell]) { _ in try reevaluate(cell, record: record, images: finals.images, early: finals.early, sit: sit) }
                done.append(cell.id)
            } catch { failures.append("\(error)") }
        }
        for group in Self.groups(rerun) {
            do {
                try withLocks(group) { locked in
                    _ = try runGroup(locked) { cell, outcome, _, sit, _ in
                        // The regenerated metrics must equal the record (a strong check that the samples
                        // are the same); keys are compared too, but cells written before neighbour keys
                        // were renumbered record other numbers for the same noises.
                        if outcome.chosen.map(\.key) != (try Self.selectionKeys(self.store.folder(cell.id))) {
                            self.progress.note("cell \(cell.id): the rerun's candidate keys differ from selection.jsonl's; checking the samples by their metrics")
                        }
                        do {
                            try self.reevaluate(cell, record: try self.readRecord(cell.id), images: outcome.images, early: outcome.early, sit: sit)
                            done.append(cell.id)
                        } catch { failures.append("\(error)") }
                    }
                }
            } catch { failures.append("\(error)") }
        }
        try store.rebuildSummary()
        return done
    }

    /// Recomputes every metric and interval of the evaluated cells from their saved per-sample data
    /// alone (nothing generated): for a change of a metric's definition or of the bootstrap.
    /// FID, precision, recall and class FID must equal the record to ``agreement``.
    @discardableResult
    public func recomputeFromSavedData() throws -> [String] {
        let todo = cells.filter { isEvaluated($0.id) && (options.only?.contains($0.id) ?? true) }
        let reference = try factory.referenceSet()
        for cell in todo {
            let folder = store.folder(cell.id)
            let samples = try CellData.read(folder)
            let old = try readRecord(cell.id)
            let metrics = try SampleMetrics.evaluate(features: samples.features, logits: samples.logits, labels: samples.labels, reference: reference.metrics)
            let heldOut = Dictionary(uniqueKeysWithValues: samples.values.compactMap { key, values in
                key.hasPrefix(CellMetrics.prefix) ? (String(key.dropFirst(CellMetrics.prefix.count)), values) : nil
            })
            var record = old
            record.metrics = Self.cellMetrics(metrics, wanted: cell.config.metrics, heldOut: heldOut)
            try Self.requireAgreement(old.metrics, record.metrics, cell: folder.path)
            try withLocks([cell]) { _ in
                Self.addIntervals(&record, samples: samples, reference: reference.metrics, options: cell.config.bootstrap, metrics: cell.config.metrics)
                try store.write(record)
            }
            progress.note("cell \(cell.id): metrics and intervals recomputed from its saved data")
        }
        try store.rebuildSummary()
        return todo.map(\.id)
    }

    func readRecord(_ id: String) throws -> CellResult {
        let url = store.folder(id).appendingPathComponent("metrics.json")
        guard let data = try? Data(contentsOf: url), let record = try? CellResult.decoder.decode(CellResult.self, from: data) else {
            throw StoreError(path: url.path, problem: "is not a valid metrics file")
        }
        return record
    }

    /// The chosen keys of `selection.jsonl`, in slot order.
    static func selectionKeys(_ folder: URL) throws -> [CandidateKey] {
        let url = folder.appendingPathComponent("selection.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw StoreError(path: url.path, problem: "cannot be read") }
        return try text.split(separator: "\n").enumerated().map { i, line in
            guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let c = row["class"] as? Int, let s = row["sample"] as? Int, let k = row["candidate"] as? Int else {
                throw StoreError(path: "\(url.path):\(i + 1)", problem: "not a selection row")
            }
            return CandidateKey(classIndex: c, sample: s, candidate: k)
        }
    }

    /// Checks the regenerated samples against the record and writes the per-sample data, the
    /// current IS and KID and every interval (search, ledger and provenance kept).
    func reevaluate(_ cell: ExperimentCell, record old: CellResult, images samples: Tensor, early sampleEarly: Tensor?, sit: VelocitySource) throws {
        // A latent model's samples as images.
        let shown = try SearchOutcome(algorithm: old.algorithm, budgetName: old.budgetName, budget: old.budget, noSearch: old.noSearch, images: samples,
                                      early: sampleEarly, chosen: [], trace: [], ledger: Ledger()).decoded(for: sit)
        let images = shown.images, early = shown.early
        let task = SearchTask(classes: cell.config.classes, perClass: cell.config.perClass)
        let labels = task.slots.map(\.classIndex)
        let reference = try factory.referenceSet()
        let (metrics, features, logits) = try SampleMetrics.evaluate(images: images, labels: labels, network: try factory.network("eval-cnn"), reference: reference)
        let outcome = SearchOutcome(algorithm: old.algorithm, budgetName: old.budgetName, budget: old.budget, noSearch: old.noSearch, images: images,
                                    early: early, chosen: [], trace: [], ledger: Ledger())
        let heldOut = try SearchEngine.heldOutSlotScores(outcome, task: task, verifiers: try cell.config.heldOut.map { try factory.make($0) })
        var record = old
        record.metrics = Self.cellMetrics(metrics, wanted: cell.config.metrics, heldOut: heldOut)
        let difference = try Self.requireAgreement(old.metrics, record.metrics, cell: store.folder(cell.id).path)
        // The regenerated values are kept (those of the saved features, which anyone can recompute);
        // they agree with the run's to `difference`, recorded in the provenance.
        let samples = try CellData.read(store.folder(cell.id), features: features, logits: logits, heldOut: heldOut)
        try CellData.write(features: features, logits: logits, heldOut: heldOut, cell: cell.id, store: store)
        Self.addIntervals(&record, samples: samples, reference: reference.metrics, options: cell.config.bootstrap, metrics: cell.config.metrics)
        record.provenance["evaluated"] = ISO8601DateFormatter().string(from: Date())
        record.provenance["evaluation_agreement"] = String(format: "%.1e", difference)
        try store.write(record)
        progress.end(cell: cell.id, summary: String(format: "FID %.2f [%.2f, %.2f] (recorded %.2f)", metrics.fid, record.intervals["fid"]?.low ?? .nan,
                                                    record.intervals["fid"]?.high ?? .nan, old.metrics.fid ?? .nan))
    }

    /// Relative agreement the regenerated metrics must reach. Samples regenerated on another CPU
    /// than the one that ran a study differ from it in the last bits (FID moves by ~1e-8 of itself);
    /// another sample would move it by orders of magnitude more.
    static let agreement = 1e-6

    /// Throws unless the regenerated metrics that did not change definition equal the recorded
    /// ones to ``agreement``; returns the largest relative difference.
    @discardableResult
    static func requireAgreement(_ recorded: CellMetrics, _ regenerated: CellMetrics, cell: String) throws -> Double {
        var pairs: [(String, Double?, Double?)] = [("fid", recorded.fid, regenerated.fid), ("precision", recorded.precision, regenerated.precision),
                                                    ("recall", recorded.recall, regenerated.recall), ("class_fid", recorded.classFID, regenerated.classFID)]
        for (name, value) in recorded.heldOut { pairs.append(("held_out.\(name)", value, regenerated.heldOut[name])) }
        var largest = 0.0
        for (name, a, b) in pairs {
            guard let a else { continue }
            if let b { largest = max(largest, abs(a - b) / max(1e-12, abs(a))) }
            guard let b, abs(a - b) <= agreement * max(1, abs(a)) else {
                throw StoreError(path: cell, problem: "the regenerated samples give \(name) = \(b.map { "\($0)" } ?? "none") where the record has \(a); the cell was left as it is")
            }
        }
        return largest
    }
}

extension ResultStore {
    /// The finished cells of this experiment folder, rebuilt from each cell's `config.yaml` (the
    /// resolved configuration) with the index and axes of its record. Throws when a folder's
    /// configuration no longer gives the folder's id (the cell would not be found again).
    public func finishedCells() throws -> [ExperimentCell] {
        try finishedRecords().map { record in
            let url = folder(record.cell).appendingPathComponent("config.yaml")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw StoreError(path: url.path, problem: "cannot be read") }
            let config = try ExperimentExpansion.cells(file: url.path, text: text, overrides: [])[0].config
            guard config.id == record.cell else {
                throw StoreError(path: url.path, problem: "resolves to cell id \(config.id), not its folder's \(record.cell)")
            }
            return ExperimentCell(config: config, axes: record.axes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, index: record.index)
        }
    }
}
