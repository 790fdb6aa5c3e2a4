import ArgumentParser
import Foundation
import SiftExperiments
import SiftMetrics
import SiftSearch

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
        """)

    @Argument(help: "The first cell's folder (Results/<name>/<cell>).") var first: String
    @Argument(help: "The second cell's folder.") var second: String
    @Option(help: "Comma list of summary columns (default: every metric and score column both cells have).") var metrics: String?
    @Option(help: "Bootstrap replicates.") var replicates = BootstrapOptions().replicates
    @Option(help: "Bootstrap seed.") var seed = BootstrapOptions().seed
    @Option(help: "Write the comparison as JSON here.") var json: String?

    func validate() throws {
        guard replicates >= 100 else { throw ValidationError("--replicates must be at least 100, got \(replicates)") }
    }

    func run() throws {
        let folders = [first, second].map { URL(fileURLWithPath: $0) }
        let slots = try folders.map(CellData.slots)
        guard slots[0] == slots[1] else {
            throw ValidationError("\(first) and \(second) hold different sample slots (\(slots[0].count) and \(slots[1].count) slots, first difference at slot \(zip(slots[0], slots[1]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(slots[0].count, slots[1].count))); a paired comparison needs the same slots")
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
        print("\(first) vs \(second): \(a.labels.count) paired slots, \(options.method); \(fmt(Date().timeIntervalSince(start), 1)) s")
        print(table.render())
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try encoder.encode(differences).write(to: URL(fileURLWithPath: json), options: .atomic)
        }
    }
}
