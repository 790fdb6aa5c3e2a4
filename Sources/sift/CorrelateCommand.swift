import ArgumentParser
import Foundation
import SiftMetrics
import SiftModels
import SiftSearch
import SiftTensor
import SiftUtilities

/// `sift correlate`: how far verifiers agree on one candidate pool (Fig. 5, left): Pearson r of
/// every pair over all candidates, and the mean within-class r, each with a 95 % bootstrap interval
/// over sample slots (class-stratified; a slot's candidates move together).
struct CorrelateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlate",
        abstract: "Score one random-search candidate pool with several verifiers; print Pearson r of every pair, write scores.csv and correlation.json.")

    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Candidates per sample slot in the pool.") var candidates = 8
    @Option(help: "Per-sample verifiers, comma list (the first ones are correlated with the rest, and all pairs are reported).")
    var verifiers = "self-similarity,self-similarity:clf-mlp,clf-vit,clf-mlp"
    @Option(help: "Folder for scores.csv and correlation.json.") var out: String?
    @Option(help: "Bootstrap replicates for the intervals of r (resampling sample slots, class-stratified).") var bootstrap = 1000
    @Option(help: "Paired differences of two pairs' r on the same resamples, comma list of 'x/y~x2/y2' (Δ = r(x2, y2) − r(x, y)).")
    var differences: String?

    /// The pairs of pairs of ``differences``: ((x, y), (x2, y2)).
    var differencePairs: [((String, String), (String, String))] {
        get throws {
            guard let differences else { return [] }
            return try differences.split(separator: ",").map { text in
                let sides = text.split(separator: "~").map { $0.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) } }
                guard sides.count == 2, sides.allSatisfy({ $0.count == 2 }) else {
                    throw ValidationError("--differences: '\(text)' is not 'x/y~x2/y2'")
                }
                for name in sides.flatMap({ $0 }) where !verifierNames.contains(name) {
                    throw ValidationError("--differences: '\(name)' in '\(text)' is not one of --verifiers (\(verifierNames.joined(separator: ", ")))")
                }
                return ((sides[0][0], sides[0][1]), (sides[1][0], sides[1][1]))
            }
        }
    }

    var verifierNames: [String] { verifiers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        guard candidates >= 1, sampling.perClass * candidates >= 2 else {
            throw ValidationError("--candidates must be positive and --per-class × --candidates at least 2 (a correlation needs two candidates per class)")
        }
        guard verifierNames.count >= 2, Set(verifierNames).count == verifierNames.count else {
            throw ValidationError("--verifiers needs at least two distinct verifiers, got '\(verifiers)'")
        }
        guard bootstrap >= 1 else { throw ValidationError("--bootstrap must be at least 1, got \(bootstrap)") }
        for name in verifierNames { try VerifierFactory.validatePerSample(name) }
        _ = try differencePairs
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

        let (pairs, table) = correlations(pool)
        print("\(pool.keys.count) candidates (\(task.count) slots × \(candidates)), \(sampling.model), \(sampling.solverName) \(sampling.searchSteps) steps, guidance \(sampling.guidance); \(fmt(wall, 1)) s")
        print(table.render())
        let (differenceRecords, differenceTable) = try pairedDifferences(pool)
        if !differenceRecords.isEmpty { print(differenceTable.render()) }
        guard let out else { return }
        let url = URL(fileURLWithPath: out)
        let record: [String: Any] = [
            "model": sampling.model, "candidates_per_slot": candidates, "per_class": sampling.perClass, "classes": task.classes,
            "solver": sampling.solverName, "search_steps": sampling.searchSteps, "guidance": Double(sampling.guidance), "seed": Int(sampling.seed),
            "n": pool.keys.count, "pairs": pairs, "differences": differenceRecords, "wall_seconds": wall,
            "bootstrap": ["replicates": bootstrap, "seed": Int(BootstrapOptions().seed), "level": 0.95, "unit": "sample slot, class-stratified",
                          "method": "bias-shifted percentile"],
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

    /// Each candidate's slot, each slot's class label, and each candidate's class.
    func slots(_ pool: PoolScores) -> (slotOf: [Int], slotLabels: [Int], classOf: [Int]) {
        var slotIndex = [[Int]: Int]()
        let slotOf = pool.keys.map { key in
            let id = [key.classIndex, key.sample]
            if let s = slotIndex[id] { return s }
            slotIndex[id] = slotIndex.count
            return slotIndex.count - 1
        }
        var slotLabels = [Int](repeating: 0, count: slotIndex.count)
        for (id, s) in slotIndex { slotLabels[s] = id[0] }
        return (slotOf, slotLabels, pool.keys.map(\.classIndex))
    }

    var bootstrapOptions: BootstrapOptions {
        var options = BootstrapOptions()
        options.replicates = bootstrap
        return options
    }

    /// ``differences``: Δr over all candidates and Δ mean within-class r, each with its paired
    /// interval (both pairs' r on the same resamples of slots).
    func pairedDifferences(_ pool: PoolScores) throws -> ([[String: Any]], TextTable) {
        let (slotOf, slotLabels, classOf) = slots(pool)
        let scores = Dictionary(uniqueKeysWithValues: zip(pool.verifiers, pool.scores))
        var records = [[String: Any]]()
        var table = TextTable(["first pair", "second pair", "Δ r (all) [95 %, paired]", "Δ mean within-class r [95 %, paired]"])
        let ones = [Int](repeating: 1, count: slotLabels.count)
        for (a, b) in try differencePairs {
            func correlation(_ p: (String, String), within: Bool) -> ResampledCorrelation {
                ResampledCorrelation(slotOf: slotOf, x: scores[p.0]!, y: scores[p.1]!, withinClass: within ? classOf : nil)
            }
            let all = ResampledDifference(first: correlation(a, within: false), second: correlation(b, within: false))
            let within = ResampledDifference(first: correlation(a, within: true), second: correlation(b, within: true))
            let intervals = CellStatistics.intervals(of: [("all", all), ("within", within)], labels: slotLabels, options: bootstrapOptions)
            let (d, dWithin) = (all.value(counts: ones), within.value(counts: ones))
            records.append(["first": [a.0, a.1], "second": [b.0, b.1], "delta_r": json(d), "delta_r_ci": ci(intervals["all"]),
                            "delta_mean_within_class_r": json(dWithin), "delta_mean_within_class_r_ci": ci(intervals["within"])])
            table.add(["\(a.0) / \(a.1)", "\(b.0) / \(b.1)", withInterval(d, intervals["all"], sign: true), withInterval(dWithin, intervals["within"], sign: true)])
        }
        return (records, table)
    }

    /// Every pair's r over all candidates and mean within-class r with their intervals: the JSON
    /// records and the printed table.
    func correlations(_ pool: PoolScores) -> ([[String: Any]], TextTable) {
        let (slotOf, slotLabels, classOf) = slots(pool)
        let options = bootstrapOptions
        var pairs = [[String: Any]]()
        var table = TextTable(["x", "y", "Pearson r (all) [95 %]", "mean within-class r [95 %]"])
        let classes = pool.byClass.sorted { $0.key < $1.key }
        for i in pool.verifiers.indices {
            for j in pool.verifiers.indices where j > i {
                let (x, y) = (pool.scores[i], pool.scores[j])
                let all = ResampledCorrelation(slotOf: slotOf, x: x, y: y), within = ResampledCorrelation(slotOf: slotOf, x: x, y: y, withinClass: classOf)
                let ones = [Int](repeating: 1, count: slotLabels.count)
                let r = all.value(counts: ones), meanWithin = within.value(counts: ones)
                let intervals = CellStatistics.intervals(of: [("r", all), ("within", within)], labels: slotLabels, options: options)
                let perClass = classes.map { _, rows in Pearson.r(rows.map { x[$0] }, rows.map { y[$0] }) }
                pairs.append(["x": pool.verifiers[i], "y": pool.verifiers[j], "r": json(r), "mean_within_class_r": json(meanWithin),
                              "r_ci": ci(intervals["r"]), "mean_within_class_r_ci": ci(intervals["within"]),
                              "classes_with_r": perClass.filter(\.isFinite).count,
                              "within_class_r": Dictionary(uniqueKeysWithValues: zip(classes.map { "\($0.key)" }, perClass.map(json)))])
                table.add([pool.verifiers[i], pool.verifiers[j], withInterval(r, intervals["r"]), withInterval(meanWithin, intervals["within"])])
            }
        }
        return (pairs, table)
    }

    func ci(_ i: Interval?) -> Any { i.map { [json($0.low), json($0.high)] } ?? NSNull() }
    func withInterval(_ v: Double, _ i: Interval?, sign: Bool = false) -> String {
        let text = { (x: Double) in (sign && x >= 0 ? "+" : "") + fmt(x, 3) }
        return text(v) + (i.map { " [\(text($0.low)), \(text($0.high))]" } ?? "")
    }

    /// A number for JSON: non-finite values (an undefined r) as null.
    func json(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
}
