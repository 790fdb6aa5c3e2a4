import Foundation
import SiftModels
import SiftSearch
import SiftTensor
import SiftUtilities
import SiftWorker
import Testing
@testable import SiftExperiments

/// External workers in experiments: the NumPy SiT and clf-mlp adapters (adapters/python) against
/// Sift's own sit-s and clf-mlp, and worker settings, ids and refusals in experiment files.
@Suite(.serialized, .enabled(if: WorkerPaths.hasNumPy, "needs python3 with NumPy (make test installs them)"))
struct WorkerExperimentTests {
    static let sitCommand = "python3 \(WorkerPaths.adapter("numpy_sit.py")) --weights \(WorkerPaths.model("sit-s"))"
    static let mlpCommand = "python3 \(WorkerPaths.adapter("numpy_classifier.py")) --weights \(WorkerPaths.model("clf-mlp"))"

    static let torchCommand = "python3 \(WorkerPaths.adapter("torch_sit.py")) --weights \(WorkerPaths.model("sit-s")) --device cpu"

    @Test func numpySiTVelocitiesMatchSift() throws { try Self.velocitiesMatchSift(Self.sitCommand) }

    /// torch_sit.py, when PyTorch is installed (never a dependency of Sift or of CI).
    @Test(.enabled(if: WorkerPaths.hasTorch, "PyTorch is not installed: torch_sit.py is not tested here"))
    func torchSiTVelocitiesMatchSift() throws { try Self.velocitiesMatchSift(Self.torchCommand) }

    /// The same velocities through a `Denoiser` of either source, with and without guidance.
    static func velocitiesMatchSift(_ command: String) throws {
        let sit = try ModelZoo.loadSiT(WorkerPaths.model("sit-s"))
        let worker = try WorkerCatalog.shared.client(command)
        let n = 12
        let x = Philox(seed: 5).normalTensor([n, 1, 28, 28])
        let t = (0..<n).map { Float($0) / Float(n) }
        let labels = (0..<n).map { $0 % 10 }
        for guidance: Float in [1, 1.5] {
            let ours = Denoiser(source: .sit(sit), guidance: guidance), theirs = Denoiser(source: .worker(worker), guidance: guidance)
            let a = ours.velocity(x, t: t, labels: labels), b = theirs.velocity(x, t: t, labels: labels)
            try theirs.checkHealthy()
            let worst = zip(a.data, b.data).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-4, "guidance \(guidance): max |Δv| = \(worst)")
            #expect(ours.forwardPasses == theirs.forwardPasses)
            #expect(theirs.flopsPerPass == sit.config.forwardFLOPs)
        }
    }

    @Test func numpyClassifierScoresMatchSift() throws {
        let factory = VerifierFactory()
        let ours = try factory.make("clf-mlp"), theirs = try factory.make(VerifierFactory.workerSpec(command: Self.mlpCommand))
        let n = 20
        let images = Tensor(Philox(seed: 9).normals(n * 784).map { min(1, max(-1, $0)) }, shape: [n, 1, 28, 28])
        let batch = CandidateBatch(images: images, labels: (0..<n).map { $0 % 10 })
        let a = try ours.score(batch), b = try theirs.score(batch)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "max |Δscore| = \(worst)")
        #expect(theirs.cost == ours.cost)
    }

    static func yaml(model: String, verifier: String, extra: String = "") -> String {
        """
        name: worker-quickstart
        model: \(model)
        sampler: {solver: heun, search_steps: 10, final_steps: 25}
        samples: {per_class: 2}
        verifier: \(verifier)
        algorithm: {kind: random}
        metrics: [fid, is]
        \(extra)
        grid:
          algorithm.candidates: [1, 4, 16]
        """
    }

    static func run(_ yaml: String, in folder: URL) throws -> [ExperimentCell] {
        let file = folder.appendingPathComponent("x.yaml").path
        let cells = try ExperimentExpansion.cells(file: file, text: yaml, overrides: [])
        let runner = ExperimentRunner(cells: cells, store: ResultStore(root: folder.appendingPathComponent("results")), options: .init(),
                                      progress: ProgressReporter(quiet: true))
        try runner.run()
        return cells
    }

    static func selection(_ folder: URL, _ cell: ExperimentCell) throws -> [[String: Any]] {
        let text = try String(contentsOf: folder.appendingPathComponent("results/\(cell.id)/selection.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// The quickstart (sit-s, random search, N = 1, 4, 16; 20 samples here) with the NumPy
    /// workers as model and verifier chooses what Sift's own sit-s + clf-mlp choose, except where
    /// two candidates' built-in scores are closer than the tolerance, with the same NFE.
    @Test func quickstartWithWorkersChoosesAsSift() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-worker-qs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let builtIn = try Self.run(Self.yaml(model: WorkerPaths.model("sit-s"), verifier: "clf-mlp"), in: folder.appendingPathComponent("a"))
        let workers = try Self.run(Self.yaml(model: "{worker: \"\(Self.sitCommand)\"}", verifier: "{worker: \"\(Self.mlpCommand)\"}"),
                                   in: folder.appendingPathComponent("b"))
        // Every candidate's built-in score, to judge the disagreements.
        let sit = try ModelZoo.loadSiT(WorkerPaths.model("sit-s"))
        var settings = SamplingSettings()
        settings.searchSteps = 10
        let context = SearchContext(model: sit, settings: settings) { try VerifierFactory().make("clf-mlp") }
        let task = SearchTask(classes: Array(0..<10), perClass: 2)
        let pool = RandomSearch.Pool.generate(task, nMax: 16, earlyPrediction: false, context: context)
        let scores = try context.makeVerifier().score(CandidateBatch(images: pool.images, labels: pool.keys.map(\.classIndex)))
        let tolerance = 1e-3
        var same = 0, ties = 0
        for (a, b) in zip(builtIn, workers) {
            #expect(a.config.algorithm.budget == b.config.algorithm.budget)
            let ra = try #require(ResultStore(root: folder.appendingPathComponent("a/results")).record(a.id))
            let rb = try #require(ResultStore(root: folder.appendingPathComponent("b/results")).record(b.id))
            #expect(ra.ledger.totalNFE == rb.ledger.totalNFE)
            #expect(ra.ledger.verifierPasses == rb.ledger.verifierPasses)
            #expect(abs(ra.ledger.gflopsPerSample - rb.ledger.gflopsPerSample) < 1e-9)
            for (slot, (sa, sb)) in zip(try Self.selection(folder.appendingPathComponent("a"), a), try Self.selection(folder.appendingPathComponent("b"), b)).enumerated() {
                let ka = sa["candidate"] as! Int, kb = sb["candidate"] as! Int
                if ka == kb { same += 1; continue }
                let gap = abs(scores[slot * 16 + ka] - scores[slot * 16 + kb])
                #expect(gap < tolerance, "slot \(slot) N = \(a.config.algorithm.budget): built-in chose \(ka), the workers \(kb), built-in scores \(gap) apart")
                ties += 1
            }
        }
        print("worker quickstart: \(same) of \(same + ties) choices equal, \(ties) differ within score tolerance \(tolerance)")
        #expect(same + ties == 60)
    }
}

/// Paths of the adapters and shipped models, from this file's place in the repository.
enum WorkerPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func adapter(_ name: String) -> String { root.appendingPathComponent("adapters/python/\(name)").path }
    static func model(_ name: String) -> String { root.appendingPathComponent("Models/\(name).safetensors").path }
    static let hasNumPy = python(imports: "numpy")
    static let hasTorch = python(imports: "torch")

    /// Whether python3 can import `module`.
    static func python(imports module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "python3 -c 'import \(module)' 2>/dev/null"]
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}

/// Self-similarity on a worker's `features` (`self-similarity:worker[COMMAND]`): the NumPy clf-mlp
/// worker's features give the scores Sift's `self-similarity:clf-mlp` gives.
@Suite(.serialized, .enabled(if: WorkerPaths.hasNumPy, "needs python3 with NumPy (make test installs them)"))
struct WorkerFeatureTests {
    @Test func selfSimilarityOnWorkerFeaturesMatchesSift() throws {
        let spec = "self-similarity:" + VerifierFactory.workerSpec(command: WorkerExperimentTests.mlpCommand)
        try VerifierFactory.validatePerSample(spec)
        #expect(try VerifierFactory.traits(spec: spec).needsEarlyPrediction)
        #expect(try VerifierFactory.networks(spec: spec).isEmpty)
        let factory = VerifierFactory()
        let ours = try factory.make("self-similarity:clf-mlp"), theirs = try factory.make(spec)
        let n = 10
        let images = Tensor(Philox(seed: 11).normals(n * 784).map { min(1, max(-1, $0)) }, shape: [n, 1, 28, 28])
        let early = Tensor(Philox(seed: 12).normals(n * 784).map { min(1, max(-1, $0 / 2)) }, shape: [n, 1, 28, 28])
        let batch = CandidateBatch(images: images, labels: (0..<n).map { $0 % 10 }, earlyPrediction: early)
        let a = try ours.score(batch), b = try theirs.score(batch)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "max |Δ cosine| = \(worst)")
        #expect(theirs.cost == ours.cost)
        // As a held-out verifier in a file, and refused where a worker cannot serve it.
        let cell = try WorkerConfigTests.cells("model: sit-s\nverifier: clf-mlp\nheld_out: [\"\(spec)\"]\n")[0]
        #expect(cell.config.heldOut == [spec])
        let refused = WorkerConfigTests.error("model: sit-s\nverifier: \"self-similarity:worker[\(WorkerExperimentTests.sitCommand)]\"\n")
        #expect(refused.contains("is named for self-similarity but serves no 'features'"), "\(refused)")
    }
}
