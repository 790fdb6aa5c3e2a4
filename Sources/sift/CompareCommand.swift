import ArgumentParser
import Foundation
import SiftExperiments
import SiftMetrics
import SiftSearch
import SiftUtilities

/// `sift compare CELL CELL`: paired bootstrap of every metric between two cells sharing slots.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Paired comparison of two finished cells: per metric both values, Δ = second − first, its 95 % interval and a two-sided bootstrap p-value.",
        discussion: """
        Cells of one seed share their slots' noises, so both are resampled with the same slots in \
        each bootstrap replicate; the interval of Δ is far tighter than two separate intervals. The \
        cells must hold the same slots (class and sample of every selection row); both need \
        features.npy and logits.npy (`sift evaluate` adds them to older cells).

        With --in Results/<name>, each argument selects a cell of that experiment by its axis \
        values instead of naming its folder: `key=value[,key=value…]`, a key being the axis's \
        dotted key or its last part (`candidates=1`, `sampler.guidance=2.0,verifier=clf-vit`); \
        exactly one finished cell must match.

        With --in and --seeds 0,1,2, the two selections are compared within each listed seed \
        (`seed=<s>` added to both), and a last table gives each metric's mean Δ over the seeds \
        with its 95 % t-interval across seeds (the seeds' draws are independent replicates).
        """)

    @Argument(help: "The first cell's folder (Results/<name>/<cell>), or its axis values with --in.") var first: String
    @Argument(help: "The second cell's folder, or its axis values with --in.") var second: String
    @Option(name: .customLong("in"), help: "An experiment's results folder whose cells the arguments select by axis values.") var experiment: String?
    @Option(help: "Comma list of summary columns (default: every metric and score column both cells have).") var metrics: String?
    @Option(help: "Bootstrap replicates.") var replicates = BootstrapOptions().replicates
    @Option(help: "Bootstrap seed.") var seed = BootstrapOptions().seed
    @Option(help: "Write the comparison as JSON here (with --seeds, one array per seed).") var json: String?
    @Option(help: "With --in: compare within each of these seeds (comma list) and summarise Δ across them.") var seeds: String?

    func validate() throws {
        guard replicates >= 100 else { throw ValidationError("--replicates must be at least 100, got \(replicates)") }
        if seeds != nil {
            guard experiment != nil else { throw ValidationError("--seeds needs --in (cells are selected by axis values, seed=<s> added)") }
            guard let list = seedList, list.count >= 2 else { throw ValidationError("--seeds needs at least two integer seeds, got '\(seeds!)'") }
            guard Set(list).count == list.count else { throw ValidationError("--seeds lists a seed twice: '\(seeds!)'") }
        }
    }

    /// The seeds of `--seeds`, nil when absent or when an entry is not an integer.
    var seedList: [Int]? {
        guard let seeds else { return nil }
        let values = seeds.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return values.contains(nil) ? nil : values.compactMap { $0 }
    }

    func run() throws {
        guard let seedList else {
            let differences = try compare(first, second)
            try write(differences)
            return
        }
        var perSeed = [[PairedDifference]]()
        for s in seedList {
            print("seed \(s):")
            perSeed.append(try compare("\(first),seed=\(s)", "\(second),seed=\(s)"))
        }
        print(Self.acrossSeeds(perSeed, seeds: seedList).render())
        try write(perSeed)
    }

    /// Compares the cells two arguments select and prints the table; returns the differences.
    func compare(_ firstArgument: String, _ secondArgument: String) throws -> [PairedDifference] {
        let folders = try [firstArgument, secondArgument].map(folder)
        let slots = try folders.map(CellData.slots)
        guard slots[0] == slots[1] else {
            throw ValidationError("\(firstArgument) and \(secondArgument) hold different sample slots (\(slots[0].count) and \(slots[1].count) slots, first difference at slot \(zip(slots[0], slots[1]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(slots[0].count, slots[1].count))); a paired comparison needs the same slots")
        }
        let a = try CellData.read(folders[0]), b = try CellData.read(folders[1])
        var options = BootstrapOptions()
        options.replicates = replicates
        options.seed = seed
        let reference = try VerifierFactory { print($0) }.referenceSet().metrics
        let columns = metrics.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let start = Date()
        let differences = CellStatistics.compare(a, b, reference: reference, options: options, columns: columns)
        guard !differences.isEmpty else { throw ValidationError("no common metric among \(metrics ?? "the cells' columns")") }
        var table = TextTable(["metric", "first", "second", "Δ (second − first)", "95 % interval of Δ", "p", "verdict"])
        for d in differences {
            table.add([d.metric, fmt(d.first, 4), fmt(d.second, 4), fmt(d.difference, 4), "[\(fmt(d.interval.low, 4)), \(fmt(d.interval.high, 4))]",
                       fmt(d.pValue, 4), d.isResolved ? "different" : "not separated"])
        }
        print("\(folders[0].path) vs \(folders[1].path): \(a.labels.count) paired slots, \(options.method); \(fmt(Date().timeIntervalSince(start), 1)) s")
        print(table.render())
        return differences
    }

    /// Each metric's mean Δ over the seeds with its 95 % t-interval across seeds, the per-seed
    /// Δs, and how many seeds resolved the difference on their own paired bootstrap.
    static func acrossSeeds(_ perSeed: [[PairedDifference]], seeds: [Int]) -> TextTable {
        var table = TextTable(["metric", "mean Δ over \(seeds.count) seeds", "95 % t-interval", "Δ per seed (\(seeds.map(String.init).joined(separator: ", ")))", "seeds resolved", "verdict"])
        for d in perSeed[0] {
            let rows = perSeed.compactMap { $0.first { $0.metric == d.metric } }
            guard rows.count == perSeed.count, let t = StudentT.meanInterval(rows.map(\.difference)) else { continue }
            let resolved = t.low > 0 || t.high < 0
            table.add([d.metric, fmt(t.mean, 4), "[\(fmt(t.low, 4)), \(fmt(t.high, 4))]", rows.map { fmt($0.difference, 4) }.joined(separator: ", "),
                       "\(rows.filter(\.isResolved).count) of \(rows.count)", resolved ? "different" : "not separated"])
        }
        return table
    }

    /// Writes `value` as JSON to `--json`, when given.
    func write<T: Encodable>(_ value: T) throws {
        guard let json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(value).write(to: URL(fileURLWithPath: json), options: .atomic)
    }

    /// The cell folder an argument names: the argument itself, or with `--in` the one finished
    /// cell of that experiment whose axes hold every `key=value` of the argument.
    func folder(_ argument: String) throws -> URL {
        guard let experiment else { return URL(fileURLWithPath: argument) }
        let store = ResultStore(root: URL(fileURLWithPath: experiment))
        let records = try store.finishedRecords()
        guard !records.isEmpty else { throw ValidationError("--in \(experiment): no finished cells") }
        var wanted = [(String, String)]()
        for part in try Override.splitTopLevel(argument, origin: ConfigOrigin(file: "selector '\(argument)'")) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty else { throw ValidationError("'\(part)' in '\(argument)' is not key=value") }
            wanted.append((pair[0], pair[1]))
        }
        let axes = try records.map { try Self.selectable($0.axes) }
        // A key names an axis by its dotted key or its last parts.
        func names(_ axis: String, _ key: String) -> Bool { axis == key || axis.hasSuffix("." + key) }
        func matches(_ axes: [String: String], _ key: String, _ value: String) -> Bool {
            axes.contains { names($0.key, key) && ($0.value == value || Double($0.value).map { $0 == Double(value) } == true) }
        }
        for (key, _) in wanted where !axes.contains(where: { $0.keys.contains { names($0, key) } }) {
            throw ValidationError("'\(key)' is not an axis of \(experiment) (axes: \(Set(axes.flatMap(\.keys)).sorted().joined(separator: ", ")))")
        }
        let found = zip(records, axes).filter { _, axes in wanted.allSatisfy { matches(axes, $0.0, $0.1) } }.map(\.0)
        guard found.count == 1 else {
            let listed = found.prefix(6).map { "\($0.cell) (\($0.axes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))" }
            throw ValidationError(found.isEmpty ? "no finished cell of \(experiment) has \(argument)"
                                                : "\(found.count) cells of \(experiment) have \(argument); add axis values to pick one: \(listed.joined(separator: "; "))")
        }
        return store.folder(found[0].cell)
    }

    /// A record's axes as selectors see them: each axis, and for an axis whose value is a flow
    /// mapping (`algorithm: {kind: random, candidates: 4}`) each of its entries as `<axis>.<key>`.
    static func selectable(_ axes: [String: String]) throws -> [String: String] {
        var out = axes
        for (key, value) in axes where value.hasPrefix("{") && value.hasSuffix("}") {
            for entry in try Override.splitTopLevel(String(value.dropFirst().dropLast()), origin: ConfigOrigin(file: "axis '\(key)'")) {
                let pair = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, !pair[0].isEmpty { out["\(key).\(pair[0])"] = pair[1] }
            }
        }
        return out
    }
}
