import ArgumentParser
import Foundation
import SiftMetrics

/// `sift metrics`: metrics of feature files written by any tool (NumPy `.npy` or CSV).
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "FID, KID, precision/recall and Inception Score of feature files (.npy or CSV).",
        subcommands: [CompareFeatures.self, InceptionScoreOfLogits.self])
}

/// `sift metrics compare --real A --fake B`: one JSON object {fid, kid_mean, kid_std, precision, recall}.
struct CompareFeatures: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare", abstract: "FID, KID and precision/recall of two feature sets (rows = samples).")
    @Option(help: "Real features: a 2-D .npy (float32/float64) or CSV file.") var real: String
    @Option(help: "Generated features, same width as --real.") var fake: String
    @Option(name: .customLong("kid-subsets"), help: "KID subsets.") var kidSubsets = 100
    @Option(name: .customLong("kid-subset-size"), help: "Rows per KID subset (capped at the smaller set).") var kidSubsetSize = 1000
    @Option(help: "Neighbourhood size of precision/recall.") var k = 3
    @Option(help: "Seed of the KID subsets.") var seed: UInt64 = 2020

    func run() throws {
        let a = try FeatureFile.read(real), b = try FeatureFile.read(fake)
        let names = (real, fake)
        try a.requireSameWidth(as: b, real, fake)
        let fid = try FrechetDistance.compute(b, a, names: (fake, real))
        let kid = try KernelInceptionDistance.compute(real: a, fake: b, subsets: kidSubsets, subsetSize: kidSubsetSize, seed: seed, names: names)
        let pr = try PrecisionRecall.compute(real: a, fake: b, k: k, names: names)
        print(jsonLine(["fid": fid, "kid_mean": kid.mean, "kid_std": kid.std, "precision": pr.precision, "recall": pr.recall]))
    }
}

/// `sift metrics is --logits F`: {is_mean, is_std}.
struct InceptionScoreOfLogits: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "is", abstract: "Inception Score of class logits (rows = samples, columns = classes).")
    @Option(help: "Logits: a 2-D .npy or CSV file.") var logits: String
    @Option(help: "Number of splits.") var splits = 10

    func run() throws {
        let score = try InceptionScore.compute(logits: try FeatureFile.read(logits), splits: splits, name: logits)
        print(jsonLine(["is_mean": score.mean, "is_std": score.std]))
    }
}

/// One JSON object with sorted keys and full-precision numbers.
func jsonLine(_ values: [String: Double]) -> String {
    "{" + values.keys.sorted().map { key in
        let v = values[key]!
        return "\"\(key)\": " + (v.isFinite ? "\(v)" : "null")
    }.joined(separator: ", ") + "}"
}
