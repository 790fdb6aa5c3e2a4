import ArgumentParser
import Foundation
import SiftData
import SiftExperiments
import SiftModels
import SiftSearch
import SiftTensor
import SiftUtilities

/// `sift search`: inference-time search on a zoo model, one line per budget.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search over noises or paths with a verifier; prints NFE per sample and the mean verifier score per budget.")

    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Verifier: fid-oracle, is-oracle, clf-mlp, clf-vit, self-similarity[:network], or an ensemble such as mean-rank(clf-vit,clf-mlp) or zscore(clf-vit:2,clf-mlp:1).")
    var verifier: String
    @Option(help: ArgumentHelp("The search algorithm: \(AlgorithmRegistry.kinds.joined(separator: ", ")).", valueName: "kind"))
    var algorithm = AlgorithmRegistry.defaultKind
    @Argument(help: ArgumentHelp("The algorithm's parameters as key=value (a comma list on the budget key is a sweep of budgets from one run):\n"
                                 + SearchCommand.parameterHelp, valueName: "key=value"))
    var parameters: [String] = []
    @Option(help: "Folder for a PNG grid per budget and search.json.") var out: String?

    /// Every registered algorithm's keys and defaults, for the help text.
    static var parameterHelp: String {
        AlgorithmRegistry.kinds.map { kind -> String in
            let defaults = AlgorithmConfig.defaults(kind: kind)!
            return "\(defaults) (budget: \(defaults.budgetKey))"
        }.joined(separator: "\n")
    }

    /// The algorithm's parameters and budgets, checked against the verifier and sampler.
    func algorithmConfig() throws -> (config: AlgorithmConfig, budgets: [Int]) {
        let parsed: (config: AlgorithmConfig, budgets: [Int])
        do { parsed = try AlgorithmArguments.parse(kind: algorithm, parameters) } catch let error as ConfigError { throw ValidationError("\(error)") }
        let traits = try VerifierFactory.traits(spec: verifier)
        let setup = SearchSetup(solver: settings.solver, verifierNeedsEarlyPrediction: traits.needsEarlyPrediction,
                                verifierIsPoolRelative: traits.isPoolRelative, recordsEarlyPrediction: false, verifierName: verifier)
        do { try parsed.config.check(setup) } catch { throw ValidationError("\(error)") }
        return parsed
    }

    /// The sampling settings, the SDE sampler for smc, beam and tree unless `--solver` names one.
    var settings: SamplingSettings { sampling.settings(for: AlgorithmRegistry.algorithm(algorithm)) }

    func validate() throws {
        try VerifierFactory.validate(spec: verifier)
        _ = try algorithmConfig()
    }

    func run() throws {
        let sit = try ModelZoo.loadSiT(sampling.model)
        let task = try sampling.task(for: sit)
        let (config, budgets) = try algorithmConfig()
        let algorithm = try config.makeAlgorithm(budgets: budgets)
        let settings = self.settings
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
        print("\(config.describe(budgets: budgets)), \(sampling.model), verifier \(verifier), \(task.count) samples (\(sampling.perClass) per class), \(settings.solver.rawValue) \(settings.searchSteps) search / \(settings.finalSteps) final steps, guidance \(settings.guidance)")
        print(table.render())
        let passes = context.denoiser.forwardPasses
        print(String(format: "wall %.1f s; %d denoiser passes (%.0f NFE/s overall, %.1f candidate generations of %d steps per second)",
                     wall, passes, Double(passes) / wall, Double(passes) / Double(context.passes(steps: settings.searchSteps)) / wall, settings.searchSteps))
        if let out { try write(outcomes, to: out, sit: sit, perClass: sampling.perClass, wall: wall) }
    }

    func write(_ outcomes: [SearchOutcome], to folder: String, sit: SiT, perClass: Int, wall: Double) throws {
        let url = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var records = [SearchRecord]()
        for o in outcomes {
            let grid = ImageGrid.samples(rows: o.images.shape[0] / perClass, columns: perClass, side: sit.config.imageSize)
            try grid.compose(o.images.data, count: o.images.shape[0]).write(to: url.appendingPathComponent("\(o.algorithm)-\(o.budgetName)-\(o.budget).png"))
            records.append(SearchRecord(o))
        }
        let data = try CellResult.encoder.encode(SearchFile(wallSeconds: wall, budgets: records))
        do { try writeFileAtomically(data, to: url.appendingPathComponent("search.json")) } catch { throw ValidationError("cannot write \(folder)/search.json: \(error.reason)") }
    }
}

/// `search.json`: one record per budget.
struct SearchFile: Encodable {
    let wallSeconds: Double
    let budgets: [SearchRecord]
    enum CodingKeys: String, CodingKey {
        case budgets
        case wallSeconds = "wall_seconds"
    }
}

/// One budget's outcome in `search.json`.
struct SearchRecord: Encodable {
    let algorithm: String
    let budgetName: String
    let budget: Int
    let noSearch: Bool
    let meanScore: Double
    let trace: [Double]
    let ledger: LedgerRecord
    let chosenCandidates: [Int]

    init(_ o: SearchOutcome) {
        algorithm = o.algorithm
        budgetName = o.budgetName
        budget = o.budget
        noSearch = o.noSearch
        meanScore = o.meanScore
        trace = o.trace
        ledger = o.ledger.record
        chosenCandidates = o.chosen.map(\.key.candidate)
    }

    enum CodingKeys: String, CodingKey {
        case algorithm, budget, trace, ledger
        case budgetName = "budget_name", noSearch = "no_search", meanScore = "mean_score", chosenCandidates = "chosen_candidates"
    }
}
