import Foundation
import SiftData
import SiftSearch
import SiftTensor
import SiftUtilities
import SiftWorker
import Testing
@testable import SiftExperiments

/// Workers named in experiment files: ids with the weights' hash, refusals at the key that names
/// the worker, and a worker that fails mid-run leaving no finished cell.
@Suite(.serialized, .enabled(if: WorkerPaths.hasNumPy, "needs python3 with NumPy (make test installs them)"))
struct WorkerConfigTests {
    static let misbehave = WorkerPaths.root.appendingPathComponent("Tests/Fixtures/worker/misbehave.py").path
    static func misbehaving(_ mode: String) -> String { "python3 \(misbehave) \(mode)" }

    static func cells(_ body: String, file: String = "/tmp/worker.yaml") throws -> [ExperimentCell] {
        try ExperimentExpansion.cells(file: file, text: "name: w\nsamples: {per_class: 2}\n" + body, overrides: [])
    }

    /// The message of the error reading `body` throws.
    static func error(_ body: String) -> String {
        do { _ = try cells(body) } catch { return "\(error)" }
        return "no error"
    }

    @Test func idsCarryTheWorkersWeightsHash() throws {
        let sit = WorkerExperimentTests.sitCommand, mlp = WorkerExperimentTests.mlpCommand
        let worker = try Self.cells("model: {worker: \"\(sit)\"}\nverifier: {worker: \"\(mlp)\"}\n")[0]
        let sitHash = FNV1a.hex(try Data(contentsOf: URL(fileURLWithPath: WorkerPaths.model("sit-s"))))
        let mlpHash = FNV1a.hex(try Data(contentsOf: URL(fileURLWithPath: WorkerPaths.model("clf-mlp"))))
        #expect(worker.config.workerWeights == [sit: sitHash, mlp: mlpHash])
        #expect(worker.config.model == "worker[\(sit)]")
        #expect(worker.config.canonicalJSON.contains(sitHash) && worker.config.canonicalJSON.contains(mlpHash))
        // The same search on Sift's own models is another cell, whose id has no workers in it.
        let own = try Self.cells("model: sit-s\nverifier: clf-mlp\n")[0]
        #expect(own.id != worker.id)
        #expect(!own.config.canonicalJSON.contains("workers"))
        // Settings of how workers run are not part of the id.
        let batched = try Self.cells("model: {worker: \"\(sit)\"}\nverifier: {worker: \"\(mlp)\"}\nworkers: {batch: 64, timeout: 30}\n")[0]
        #expect(batched.id == worker.id)
        #expect(batched.config.workers == WorkerSettings(batch: 64, timeout: 30))
        // The written config names the worker and reads back to the same cell.
        #expect(worker.config.yaml.contains("model: \"worker[\(sit)]\""))
    }

    @Test func workersAsEnsembleMembersAndHeldOut() throws {
        let mlp = WorkerExperimentTests.mlpCommand
        let cell = try Self.cells("model: sit-s\nverifier: {ensemble: mean-rank, members: [clf-vit, {worker: \"\(mlp)\"}]}\nheld_out: [{worker: \"\(mlp)\"}, is-oracle]\n")[0]
        let (_, members, _) = try #require(try VerifierFactory.parseEnsemble(cell.config.verifier))
        #expect(members == ["clf-vit", "worker[\(mlp)]"])
        #expect(cell.config.heldOut == ["worker[\(mlp)]", "is-oracle"])
        #expect(cell.config.workerCommands == [mlp])
    }

    @Test func refusalsNameTheKeyAndTheWorker() {
        let sit = WorkerExperimentTests.sitCommand, mlp = WorkerExperimentTests.mlpCommand
        let asModel = Self.error("model: {worker: \"\(mlp)\"}\nverifier: clf-mlp\n")
        #expect(asModel.contains("worker.yaml:3:") && asModel.contains("'model': worker '\(mlp)': is named as a model but serves no 'velocity'"), "\(asModel)")
        let asVerifier = Self.error("model: sit-s\nverifier: {worker: \"\(sit)\"}\n")
        #expect(asVerifier.contains("'verifier': worker '\(sit)': is named as a verifier but serves no 'score'"), "\(asVerifier)")
        let gradient = Self.error("model: {worker: \"\(sit)\"}\nverifier: clf-mlp\nalgorithm: {kind: gradient}\n")
        #expect(gradient.contains("an external worker's model gives no gradients"), "\(gradient)")
        let guidance = Self.error("model: {worker: \"\(Self.misbehaving("unconditional"))\"}\nverifier: clf-mlp\nsampler: {guidance: 1.5}\n")
        #expect(guidance.contains("'sampler.guidance': the worker") && guidance.contains("has no null class"), "\(guidance)")
        #expect(Self.error("model: {worker: \"\"}\nverifier: clf-mlp\n").contains("'model.worker' must not be empty"))
        #expect(Self.error("model: {worker: x, gpu: 1}\nverifier: clf-mlp\n").contains("unknown key 'model.gpu'"))
        #expect(Self.error("model: sit-s\nverifier: clf-mlp\nworkers: {batch: 0}\n").contains("'workers.batch'"))
        #expect(Self.error("model: sit-s\nverifier: clf-mlp\nworkers: {timeout: -1}\n").contains("'workers.timeout' must be a positive number"))
        let dead = Self.error("model: {worker: \"sift-no-such-worker\"}\nverifier: clf-mlp\n")
        #expect(dead.contains("'model': worker 'sift-no-such-worker' exited (exit status 127) during 'describe'"), "\(dead)")
    }

    @Test func workerDyingMidRunLeavesNoFinishedCell() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-worker-die-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cells = try Self.cells("model: {worker: \"\(Self.misbehaving("die"))\"}\nverifier: clf-mlp\nsampler: {search_steps: 2, final_steps: 2}\nalgorithm: {kind: random, candidates: 2}\n")
        let store = ResultStore(root: folder)
        let runner = ExperimentRunner(cells: cells, store: store, options: .init(), progress: ProgressReporter(quiet: true))
        do {
            try runner.run()
            Issue.record("the run did not fail")
        } catch {
            #expect("\(error)".contains("exited (exit status 3) during 'velocity'") && "\(error)".contains("the model exploded"), "\(error)")
        }
        #expect(!store.isFinished(cells[0].id))
        #expect(!FileManager.default.fileExists(atPath: store.folder(cells[0].id).path))
    }

    /// A worker that reports no FLOPs: the ledger counts its NFE and says its GFLOPs are unknown;
    /// a held-out worker verifier is recorded as a metric.
    @Test func unknownFLOPsAndHeldOutWorker() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-worker-flops-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mlp = WorkerExperimentTests.mlpCommand
        let cells = try Self.cells("model: {worker: \"\(Self.misbehaving("good"))\"}\nverifier: clf-mlp\nheld_out: [{worker: \"\(mlp)\"}]\nsampler: {solver: euler, search_steps: 2, final_steps: 3}\nalgorithm: {kind: random, candidates: 2}\nmetrics: [fid]\n")
        let store = ResultStore(root: folder)
        try ExperimentRunner(cells: cells, store: store, options: .init(), progress: ProgressReporter(quiet: true)).run()
        let record = try #require(store.record(cells[0].id))
        #expect(record.ledger.totalNFE == 20 * (2 * 2 + 3))
        #expect(record.ledger.flopsKnown == false)
        #expect(record.ledger.searchGFLOPs == 0 && record.ledger.verifierGFLOPs > 0)
        #expect(record.metrics.heldOut["worker[\(mlp)]"] != nil, "\(record.metrics.heldOut)")
    }

    /// A latent model (samples 4×14×14, `decode` to 1×28×28): verifiers score the decoded images,
    /// and the cell's metrics and grid are of the decoded images.
    @Test func latentModelIsDecodedForVerifiersAndMetrics() throws {
        let latent = "python3 \(WorkerPaths.root.appendingPathComponent("Tests/Fixtures/worker/latent.py").path)"
        let client = try WorkerCatalog.shared.client(latent)
        let samples = Philox(seed: 4).normalTensor([6, 4, 14, 14])
        let labels = [0, 1, 2, 3, 4, 5]
        let plain = try VerifierFactory().make("clf-mlp")
        let wrapped = DecodingVerifier.wrapping(try VerifierFactory().make("clf-mlp"), for: .worker(client))
        let images = try DecodingVerifier.decode(samples, with: client)
        #expect(images.shape == [6, 1, 28, 28])
        #expect(try wrapped.score(CandidateBatch(images: samples, labels: labels)) == (try plain.score(CandidateBatch(images: images, labels: labels))))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-worker-latent-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cells = try Self.cells("model: {worker: \"\(latent)\"}\nverifier: clf-mlp\nsampler: {solver: euler, search_steps: 2, final_steps: 2}\nalgorithm: {kind: random, candidates: 3}\nmetrics: [fid, is]\n")
        let store = ResultStore(root: folder)
        try ExperimentRunner(cells: cells, store: store, options: .init(), progress: ProgressReporter(quiet: true)).run()
        let record = try #require(store.record(cells[0].id))
        #expect(record.ledger.totalNFE == 20 * 3 * 2)  // equal steps: the winner is reused, no final regeneration
        #expect(record.metrics.fid.map { $0.isFinite } == true)
        let png = try PNGImage.read(from: store.folder(cells[0].id).appendingPathComponent("samples.png"))
        let expected = try ImageGrid.samples(rows: 10, columns: 2, side: 28).compose([Float](repeating: 0, count: 20 * 784), count: 20)
        #expect(png.width == expected.width && png.height == expected.height)
    }

    /// SIGTERM to `sift run` mid-run: its worker is stopped too, and no partial cell is left.
    @Test func sigtermStopsTheWorkers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-worker-term-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("slow.yaml")
        try ("name: slow\nsamples: {per_class: 2}\nmodel: {worker: \"\(Self.misbehaving("slow"))\"}\nverifier: clf-mlp\n"
             + "sampler: {search_steps: 20, final_steps: 20}\nalgorithm: {kind: random, candidates: 2}\n").write(to: file, atomically: true, encoding: .utf8)
        let results = folder.appendingPathComponent("results")
        let p = try TinyExperiment.runSift(["run", file.path, "--results", results.path])
        let deadline = Date().addingTimeInterval(60)
        var workers = [pid_t]()
        while Date() < deadline && (workers.isEmpty || FaultTests.unfinished(results.appendingPathComponent("slow")).isEmpty) {
            workers = FaultTests.children(of: p.processIdentifier)
            usleep(50_000)
        }
        #expect(!workers.isEmpty)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM)
        #expect(FaultTests.unfinished(results.appendingPathComponent("slow")).isEmpty)
        let gone = Date().addingTimeInterval(10)
        func alive(_ pid: pid_t) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
            return !stat[stat.index(after: close)...].hasPrefix(" Z")  // a zombie has exited
        }
        while Date() < gone && workers.contains(where: alive) { usleep(50_000) }
        #expect(!workers.contains(where: alive), "worker \(workers) still running after sift was stopped")
    }
}
