import ArgumentParser
import Foundation
import SiftMetrics
import SiftSearch
import SiftTensor

/// `sift bench bootstrap`: seconds of the bootstrap intervals of one cell, metric by metric, on
/// real eval-cnn features (test images standing in for generated samples).
struct BootstrapBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bootstrap", abstract: "Time the bootstrap intervals of every metric of one cell.")
    @OptionGroup var options: BenchOptions
    @Option(help: "Samples in the cell (per class: samples / 10).") var samples = 1000
    @Option(help: "Bootstrap replicates.") var replicates = 1000

    func run() throws {
        options.apply()
        let reference = try VerifierFactory { print($0) }.referenceSet().metrics
        // The last `samples / 10` test images of each class (the reference holds all of them).
        let perClass = samples / 10
        let rows = (0..<10).flatMap { c in reference.labels.indices.filter { reference.labels[$0] == c }.suffix(perClass) }
        let features = reference.features.selecting(rows: rows)
        let logits = FeatureMatrix(rows: rows.count, columns: 10, values: Philox(seed: 1).normals(rows.count * 10).map(Double.init))
        let cell = CellSamples(labels: rows.map { reference.labels[$0] }, features: features, logits: logits,
                               values: ["score.mean": Philox(seed: 2).normals(rows.count).map(Double.init)])
        var bootstrap = BootstrapOptions()
        bootstrap.replicates = replicates
        _ = reference.kidRealTerm
        _ = reference.classReferences
        var table = TextTable(["metric", "seconds", "interval"])
        var total = 0.0
        for column in CellStatistics.metricColumns + ["score.mean"] {
            let start = Date()
            let interval = CellStatistics.intervals(cell, reference: reference, options: bootstrap, columns: [column])[column]
            let seconds = Date().timeIntervalSince(start)
            total += seconds
            table.add([column, fmt(seconds, 2), interval.map { "[\(fmt($0.low, 3)), \(fmt($0.high, 3))]" } ?? "withheld (too few samples per feature)"])
        }
        print("\(rows.count) samples × \(features.columns) features, \(replicates) replicates, \(Threads.count) threads")
        print(table.render())
        print("all metrics: \(fmt(total, 2)) s")
    }
}
