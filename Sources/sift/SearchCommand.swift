import ArgumentParser
import Foundation
import SiftData
import SiftModels
import SiftSearch
import SiftTensor

/// `sift search`: inference-time search on a zoo model, one line per budget.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search over noises or paths with a verifier; prints NFE per sample and the mean verifier score per budget.")

    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Verifier: fid-oracle, is-oracle, clf-mlp, clf-vit, self-similarity[:network], or an ensemble such as mean-rank(clf-vit,clf-mlp) or zscore(clf-vit:2,clf-mlp:1).")
    var verifier: String
    @Option(help: "random, zero-order or paths.") var algorithm: String = "random"
    @Option(help: "random: candidates per sample, a comma list of budgets from one shared pool.") var candidates = "1,4,16"
    @Option(help: "zero-order: neighbours per iteration.") var neighbours = 4
    @Option(help: "zero-order: iteration counts to report (comma list).") var iterations = "1,2,3,4"
    @Option(help: "zero-order: cosine between the pivot and its neighbours.") var tau = 0.95
    @Flag(help: "zero-order: start a fresh pivot after a round without improvement.") var restart = false
    @Option(help: "paths: surviving paths N.") var paths = 2
    @Option(help: "paths: re-noisings per path M (comma list of budgets).") var width = "1,2,4"
    @Option(help: "paths: start level σ (0 = data, 1 = noise).") var sigma = 0.5
    @Option(help: "paths: forward re-noising step Δf.") var forward = 0.1
    @Option(help: "paths: backward solve step Δb (> Δf).") var backward = 0.2
    @Option(help: "paths: solver steps per backward solve L.") var length = 4
    @Option(help: "Folder for a PNG grid per budget and search.json.") var out: String?

    func validate() throws {
        try VerifierFactory.validate(spec: verifier)
    }

    func run() throws {
        let sit = try ModelZoo.loadSiT(sampling.model)
        let task = try sampling.task(for: sit)
        let algorithm = try makeAlgorithm()
        let settings = sampling.settings
        let factory = VerifierFactory { print($0) }
        let spec = verifier
        let context = SearchContext(model: sit, settings: settings) { try factory.make(spec: spec) }
        context.batchSize = sampling.batchSize
        let start = Date()
        let outcomes = try SearchEngine.run(algorithm, task: task, context: context)
        let wall = Date().timeIntervalSince(start)

        var table = TextTable([outcomes.first?.budgetName ?? "budget", "NFE/sample", "search NFE", "final NFE", "verifier passes",
                               "GFLOP/sample", "mean score", "trace (best so far)", "seconds"])
        for o in outcomes {
            let l = o.ledger, s = Double(l.samples)
            let trace = o.trace.count > 6 ? o.trace.prefix(3).map { fmt($0, 2) } + ["…"] + o.trace.suffix(2).map { fmt($0, 2) } : o.trace.map { fmt($0, 2) }
            table.add(["\(o.budget)", fmt(l.nfePerSample, 0), fmt(Double(l.searchPasses) / s, 0), fmt(Double(l.finalPasses) / s, 0),
                       fmt(Double(l.verifierPasses) / s, 1), fmt(l.gflopsPerSample, 2), fmt(o.meanScore, 4),
                       trace.joined(separator: " "), fmt(l.seconds, 1)])
        }
        print("\(algorithm.name) search, \(sampling.model), verifier \(verifier), \(task.count) samples (\(sampling.perClass) per class), \(sampling.solver) \(settings.searchSteps) search / \(settings.finalSteps) final steps, guidance \(settings.guidance)")
        print(table.render())
        let passes = context.denoiser.forwardPasses
        print(String(format: "wall %.1f s; %d denoiser passes (%.0f NFE/s overall, %.1f candidate generations of %d steps per second)",
                     wall, passes, Double(passes) / wall, Double(passes) / Double(context.passes(steps: settings.searchSteps)) / wall, settings.searchSteps))
        if let out { try write(outcomes, to: out, sit: sit, perClass: sampling.perClass, wall: wall) }
    }

    func makeAlgorithm() throws -> SearchAlgorithm {
        switch algorithm {
        case "random": return .random(try RandomSearch(candidates: try integers(candidates, option: "--candidates")))
        case "zero-order":
            return .zeroOrder(try ZeroOrderSearch(neighbours: neighbours, iterations: try integers(iterations, option: "--iterations"), tau: tau, restart: restart))
        case "paths":
            return .paths(try PathSearch(paths: paths, widths: try integers(width, option: "--width"), sigma: sigma, forward: forward,
                                         backward: backward, length: length))
        default: throw ValidationError("--algorithm must be one of random, zero-order, paths; got '\(algorithm)'")
        }
    }

    func write(_ outcomes: [SearchOutcome], to folder: String, sit: SiT, perClass: Int, wall: Double) throws {
        let url = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var records = [[String: Any]]()
        for o in outcomes {
            let grid = ImageGrid.samples(rows: o.images.shape[0] / perClass, columns: perClass, side: sit.config.imageSize)
            try grid.compose(o.images.data, count: o.images.shape[0]).write(to: url.appendingPathComponent("\(o.algorithm)-\(o.budgetName)-\(o.budget).png"))
            records.append(["algorithm": o.algorithm, o.budgetName: o.budget, "mean_score": o.meanScore, "trace": o.trace,
                            "ledger": o.ledger.summary, "chosen_candidates": o.chosen.map(\.key.candidate)])
        }
        let data = try JSONSerialization.data(withJSONObject: ["wall_seconds": wall, "budgets": records], options: [.prettyPrinted, .sortedKeys])
        do { try writeFileAtomically(data, to: url.appendingPathComponent("search.json")) } catch { throw ValidationError("cannot write \(folder)/search.json: \(error.reason)") }
    }
}
