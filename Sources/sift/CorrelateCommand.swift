import ArgumentParser
import Foundation
import SiftMetrics
import SiftModels
import SiftSearch
import SiftTensor
import SiftUtilities

/// `sift correlate`: how far verifiers agree on one candidate pool (Fig. 5, left): Pearson r of
/// every pair over all candidates, and the mean within-class r.
struct CorrelateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlate",
        abstract: "Score one random-search candidate pool with several verifiers; print Pearson r of every pair, write scores.csv and correlation.json.")

    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Candidates per sample slot in the pool.") var candidates = 8
    @Option(help: "Per-sample verifiers, comma list (the first ones are correlated with the rest, and all pairs are reported).")
    var verifiers = "self-similarity,self-similarity:clf-mlp,clf-vit,clf-mlp"
    @Option(help: "Folder for scores.csv and correlation.json.") var out: String?

    var verifierNames: [String] { verifiers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        guard candidates >= 1, sampling.perClass * candidates >= 2 else {
            throw ValidationError("--candidates must be positive and --per-class × --candidates at least 2 (a correlation needs two candidates per class)")
        }
        guard verifierNames.count >= 2, Set(verifierNames).count == verifierNames.count else {
            throw ValidationError("--verifiers needs at least two distinct verifiers, got '\(verifiers)'")
        }
        for name in verifierNames { try VerifierFactory.validatePerSample(name) }
    }

    func run() throws {
        let sit = try ModelZoo.loadSiT(sampling.model)
        let task = try sampling.task(for: sit)
        let factory = VerifierFactory { print($0) }
        let made = try verifierNames.map { try factory.make($0) }
        let context = SearchContext(model: sit, settings: sampling.settings) { try factory.make(self.verifierNames[0]) }
        context.batchSize = sampling.batchSize
        let start = Date()
        let pool = try PoolScores.compute(task, candidates: candidates, verifiers: made, context: context)
        let wall = Date().timeIntervalSince(start)

        var pairs = [[String: Any]]()
        var table = TextTable(["x", "y", "Pearson r (all)", "mean within-class r"])
        let classes = pool.byClass.sorted { $0.key < $1.key }
        for i in pool.verifiers.indices {
            for j in pool.verifiers.indices where j > i {
                let all = Pearson.r(pool.scores[i], pool.scores[j])
                let within = classes.map { _, rows in Pearson.r(rows.map { pool.scores[i][$0] }, rows.map { pool.scores[j][$0] }) }
                // Classes where r is undefined (a constant score) are left out of the mean and written as null.
                let defined = within.filter(\.isFinite)
                let meanWithin = defined.isEmpty ? .nan : MeanAndDeviation(defined).mean
                pairs.append(["x": pool.verifiers[i], "y": pool.verifiers[j], "r": json(all), "mean_within_class_r": json(meanWithin),
                              "classes_with_r": defined.count,
                              "within_class_r": Dictionary(uniqueKeysWithValues: zip(classes.map { "\($0.key)" }, within.map(json)))])
                table.add([pool.verifiers[i], pool.verifiers[j], fmt(all, 4), fmt(meanWithin, 4)])
            }
        }
        print("\(pool.keys.count) candidates (\(task.count) slots × \(candidates)), \(sampling.model), \(sampling.solver) \(sampling.searchSteps) steps, guidance \(sampling.guidance); \(fmt(wall, 1)) s")
        print(table.render())
        guard let out else { return }
        let url = URL(fileURLWithPath: out)
        let record: [String: Any] = [
            "model": sampling.model, "candidates_per_slot": candidates, "per_class": sampling.perClass, "classes": task.classes,
            "solver": sampling.solver, "search_steps": sampling.searchSteps, "guidance": Double(sampling.guidance), "seed": Int(sampling.seed),
            "n": pool.keys.count, "pairs": pairs, "wall_seconds": wall,
        ]
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try writeFileAtomically(Data(pool.csv.utf8), to: url.appendingPathComponent("scores.csv"))
            try writeFileAtomically(try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys]),
                                    to: url.appendingPathComponent("correlation.json"))
        } catch let failure as AtomicWriteFailure {
            throw ValidationError("cannot write \(out): \(failure.reason)")
        } catch {
            throw ValidationError("cannot write \(out): \(error.localizedDescription)")
        }
    }

    /// A number for JSON: non-finite values (an undefined r) as null.
    func json(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
}
