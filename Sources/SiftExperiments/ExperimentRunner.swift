import Foundation
import SiftData
import SiftMetrics
import SiftModels
import SiftSearch
import SiftTensor

/// Runs the cells of an experiment into a ``ResultStore``: skips finished cells (unless
/// forced), locks each cell while writing it, shares candidate pools between random-search
/// cells that differ only in budget or verifier, computes the metrics, and rebuilds the summary.
public final class ExperimentRunner {
    public struct Options {
        public var force = false
        /// Run only these cell ids (a `--jobs` child, or a shard).
        public var only: Set<String>?
        public var dataDirectory = FashionMNIST.defaultDirectory
        /// Recorded in every `metrics.json`.
        public var provenance: [String: String] = [:]
        public init() {}
    }

    public let cells: [ExperimentCell]
    public let store: ResultStore
    public let options: Options
    let progress: ProgressReporter
    let factory: VerifierFactory
    private var models = [String: SiT]()

    public init(cells: [ExperimentCell], store: ResultStore, options: Options, progress: ProgressReporter) {
        self.cells = cells
        self.store = store
        self.options = options
        self.progress = progress
        factory = VerifierFactory(dataDirectory: options.dataDirectory) { progress.note($0) }
    }

    /// Cells this run must compute: selected, and unfinished unless forced.
    public var pending: [ExperimentCell] {
        cells.filter { (options.only?.contains($0.id) ?? true) && (options.force || !store.isFinished($0.id)) }
    }

    /// Groups of pending cells that share work: random-search cells equal up to budget,
    /// verifier and metrics share one candidate pool; any other cell is its own group.
    public static func groups(_ cells: [ExperimentCell]) -> [[ExperimentCell]] {
        var order = [String](), members = [String: [ExperimentCell]]()
        for cell in cells {
            let key: String
            if case .random = cell.config.algorithm {
                var c = cell.config
                c.algorithm = .random(candidates: 1)
                c.verifier = "-"
                c.metrics = []
                key = c.canonicalJSON
            } else {
                key = cell.id
            }
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(cell)
        }
        return order.map { members[$0]! }
    }

    /// Runs every pending cell; returns the ids it finished.
    @discardableResult
    public func run() throws -> [String] {
        try store.prepare()
        let todo = pending
        progress.start(total: todo.count, skipped: cells.count - todo.count)
        defer { progress.finish() }
        var finished = [String]()
        for group in Self.groups(todo) {
            var locks = [CellLock]()
            var runnable = [ExperimentCell]()
            for cell in group {
                if let lock = try CellLock.acquire(store.folder(cell.id)) {
                    locks.append(lock)
                    runnable.append(cell)
                } else {
                    progress.note("cell \(cell.id) is being written by another run; skipped")
                }
            }
            defer { locks.forEach { $0.release() } }
            guard !runnable.isEmpty else { continue }
            finished += try runGroup(runnable)
        }
        try store.rebuildSummary()
        return finished
    }

    func model(_ name: String) throws -> SiT {
        if let m = models[name] { return m }
        let m = try ModelZoo.loadSiT(name)
        models[name] = m
        return m
    }

    func runGroup(_ group: [ExperimentCell]) throws -> [String] {
        let first = group[0].config
        let sit = try model(first.model)
        let task = SearchTask(classes: first.classes, perClass: first.perClass)
        var done = [String]()
        switch first.algorithm {
        case .random:
            // One pool of the group's largest N (with t = 0.6 predictions if any verifier needs them).
            let budgets = group.map { cell -> Int in if case .random(let n) = cell.config.algorithm { return n }; return 1 }
            let recordEarly = try heldOutNeedsEarly(first)
            let reuse = first.sampler.searchSteps == first.sampler.finalSteps
            let needsEarly = try group.contains { try factory.make(spec: $0.config.verifier).needsEarlyPrediction } || (reuse && recordEarly)
            let poolContext = SearchContext(model: sit, settings: first.sampler) { try self.factory.make(spec: first.verifier) }
            poolContext.onGenerated = { [progress] in progress.advance($0) }
            progress.begin(cell: group.map(\.id).joined(separator: ","), samples: task.count * budgets.max()!)
            let pool = budgets.max()! > 1 || first.sampler.searchSteps == first.sampler.finalSteps
                ? RandomSearch.Pool.generate(task, nMax: budgets.max()!, earlyPrediction: needsEarly, context: poolContext) : nil
            var byVerifier = [String: [ExperimentCell]]()
            for cell in group { byVerifier[cell.config.verifier, default: []].append(cell) }
            for verifier in byVerifier.keys.sorted() {
                let cells = byVerifier[verifier]!
                let start = Date()
                let context = SearchContext(model: sit, settings: first.sampler) { try self.factory.make(spec: verifier) }
                context.recordEarlyPrediction = recordEarly
                let ns = cells.map { cell -> Int in if case .random(let n) = cell.config.algorithm { return n }; return 1 }
                var outcomes = try RandomSearch(candidates: ns).run(task, context: context, pool: pool)
                try SearchEngine.scoreFinalSamples(&outcomes, task: task, context: context)
                for cell in cells {
                    let n = ns[cells.firstIndex { $0.id == cell.id }!]
                    try write(cell, outcome: outcomes.first { $0.budget == n }!, task: task, sit: sit, start: start)
                    done.append(cell.id)
                }
            }
        case .zeroOrder(let neighbours, let iterations, let tau, let restart):
            let cell = group[0]
            let start = Date()
            progress.begin(cell: cell.id, samples: task.count * (1 + neighbours * iterations))
            let context = SearchContext(model: sit, settings: first.sampler) { try self.factory.make(spec: first.verifier) }
            context.onGenerated = { [progress] in progress.advance($0) }
            context.recordEarlyPrediction = try heldOutNeedsEarly(first)
            let outcome = try SearchEngine.run(.zeroOrder(try ZeroOrderSearch(neighbours: neighbours, iterations: [iterations], tau: tau, restart: restart)),
                                               task: task, context: context)[0]
            try write(cell, outcome: outcome, task: task, sit: sit, start: start)
            done.append(cell.id)
        case .paths(let paths, let width, _, _, _, _):
            let cell = group[0]
            let start = Date()
            progress.begin(cell: cell.id, samples: task.count * paths * width)
            let context = SearchContext(model: sit, settings: first.sampler) { try self.factory.make(spec: first.verifier) }
            context.onGenerated = { [progress] in progress.advance($0) }
            let outcome = try SearchEngine.run(.paths(try first.algorithm.pathSearch()), task: task, context: context)[0]
            try write(cell, outcome: outcome, task: task, sit: sit, start: start)
            done.append(cell.id)
        }
        return done
    }

    /// Whether a held-out verifier of `config` needs the final samples' t = 0.6 predictions.
    func heldOutNeedsEarly(_ config: CellConfig) throws -> Bool {
        try config.heldOut.contains { try factory.make($0).needsEarlyPrediction }
    }

    /// Computes the metrics of a cell's final samples and writes its files, `metrics.json` last.
    func write(_ cell: ExperimentCell, outcome: SearchOutcome, task: SearchTask, sit: SiT, start: Date) throws {
        let labels = task.slots.map(\.classIndex)
        var metricOptions = SampleMetrics.Options()
        metricOptions.kidSubsetSize = min(1000, task.count)
        let metrics = try SampleMetrics.evaluate(images: outcome.images, labels: labels, network: try factory.network("eval-cnn"),
                                                 reference: try factory.referenceSet(), options: metricOptions)
        let id = cell.id
        try store.write(Data(cell.config.yaml.utf8), cell: id, file: "config.yaml")
        let grid = ImageGrid.samples(rows: task.classes.count, columns: task.perClass, side: sit.config.imageSize)
        try store.write(try grid.compose(outcome.images.data, count: task.count).encode(), cell: id, file: "samples.png")
        var selection = Data()
        for (i, chosen) in outcome.chosen.enumerated() {
            var row: [String: Any] = ["class": chosen.key.classIndex, "sample": chosen.key.sample, "candidate": chosen.key.candidate]
            if let s = chosen.searchScore { row["search_score"] = s }
            if let f = outcome.finalScores { row["final_score"] = f[i] }
            selection.append(try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]))
            selection.append(0x0A)
        }
        try store.write(selection, cell: id, file: "selection.jsonl")

        let wanted = Set(cell.config.metrics)
        var metricValues = [String: Any]()
        if wanted.contains("fid") { metricValues["fid"] = metrics.fid }
        if wanted.contains("is") { metricValues["is_mean"] = metrics.isMean; metricValues["is_std"] = metrics.isStd }
        if wanted.contains("kid") { metricValues["kid_mean"] = metrics.kidMean; metricValues["kid_std"] = metrics.kidStd }
        if wanted.contains("precision") { metricValues["precision"] = metrics.precision }
        if wanted.contains("recall") { metricValues["recall"] = metrics.recall }
        if wanted.contains("class_fid") { metricValues["class_fid"] = metrics.meanPerClassFID }
        let heldOut = try SearchEngine.heldOutScores(outcome, task: task, verifiers: try cell.config.heldOut.map { try factory.make($0) })
        for (name, value) in heldOut { metricValues["held_out.\(name)"] = value }
        let scores = outcome.finalScores ?? outcome.chosen.compactMap(\.searchScore)
        let stats = MeanAndDeviation(scores)
        let mean = scores.isEmpty ? 0 : stats.mean
        var scoreStats: [String: Any] = ["trace": outcome.trace]
        if !scores.isEmpty {
            scoreStats["mean"] = stats.mean
            scoreStats["std"] = stats.std
            scoreStats["min"] = scores.min()!
            scoreStats["max"] = scores.max()!
        }
        let searchScores = outcome.chosen.compactMap(\.searchScore)
        if !searchScores.isEmpty { scoreStats["search_mean"] = searchScores.reduce(0, +) / Double(searchScores.count) }
        let end = Date()
        let iso = ISO8601DateFormatter()
        var provenance = options.provenance
        provenance["host"] = ProcessInfo.processInfo.hostName
        provenance["start"] = iso.string(from: start)
        provenance["end"] = iso.string(from: end)
        let record: [String: Any] = [
            "cell": id, "index": cell.index, "name": cell.config.name,
            "axes": Dictionary(uniqueKeysWithValues: cell.axes.map { ($0.key, $0.value) }),
            "algorithm": outcome.algorithm, "budget": outcome.budget, "metrics": metricValues, "verifier_scores": scoreStats,
            "ledger": outcome.ledger.summary, "wall_seconds": end.timeIntervalSince(start), "provenance": provenance,
        ]
        try store.write(try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys]), cell: id, file: "metrics.json")
        progress.end(cell: id, summary: String(format: "FID %.2f, IS %.2f, score %.3f, %.0f NFE/sample", metrics.fid, metrics.isMean, mean, outcome.ledger.nfePerSample))
    }
}
