import ArgumentParser
import Foundation
import SiftData
import SiftMetrics
import SiftModels
import SiftSearch
import SiftTensor
import SiftUtilities

/// `sift eval`: sample without search and measure FID, IS, KID, precision/recall against the
/// Fashion-MNIST test split (eval-cnn features).
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Sample without search and print FID, IS, KID, precision and recall.")
    @Option(help: "Zoo name (sit-s, sit-b, sit-l) or path to a weights file.") var model: String
    @Option(name: .customLong("per-class"), help: "Samples per class.") var perClass = 100
    @Option(help: "Sampling steps.") var steps = 25
    @Option(help: "euler, heun or sde.") var solver = "heun"
    @Option(help: "Classifier-free guidance scale (1 = none).") var guidance: Float = 1
    @Option(help: "Seed of the noises.") var seed: UInt64 = 0
    @Option(help: "Folder with the Fashion-MNIST IDX files.") var data: String = FashionMNIST.defaultDirectory
    @Option(help: "Write the metrics as JSON here.") var json: String?
    @Option(help: "Write a grid of the samples (one row per class, up to 16 columns) here.") var png: String?

    func validate() throws {
        guard Solver(rawValue: solver) != nil else { throw ValidationError("--solver must be one of \(Solver.allCases.map(\.rawValue).joined(separator: ", ")), got '\(solver)'") }
        guard perClass >= 1, steps >= 1 else { throw ValidationError("--per-class and --steps must be positive") }
        if let problem = Denoiser.guidanceProblem(Double(guidance)) { throw ValidationError("--guidance: \(problem)") }
    }

    func run() throws {
        let sit = try ModelZoo.loadSiT(model)
        let factory = VerifierFactory(dataDirectory: data) { print($0) }
        let reference = try factory.referenceSet()
        let denoiser = Denoiser(model: sit, guidance: guidance)
        let generator = CandidateGenerator(denoiser: denoiser, solver: Solver(rawValue: solver)!, steps: steps, seed: seed)
        let keys = CandidateGenerator.plainKeys(classes: Array(0..<sit.config.classes), perClass: perClass)
        let start = Date()
        let images = generator.generate(keys).images
        let sampling = Date().timeIntervalSince(start)
        let labels = keys.map(\.classIndex)
        let (metrics, features, logits) = try SampleMetrics.evaluate(images: images, labels: labels, network: try factory.network("eval-cnn"), reference: reference)
        let bootstrap = BootstrapOptions()
        let intervals = CellStatistics.intervals(CellSamples(labels: labels, features: features, logits: logits), reference: reference.metrics, options: bootstrap)
        let nfe = Double(denoiser.forwardPasses) / Double(keys.count)
        func cell(_ v: Double, _ column: String, _ digits: Int) -> String {
            guard let i = intervals[column] else { return fmt(v, digits) }
            return "\(fmt(v, digits)) [\(fmt(i.low, digits)), \(fmt(i.high, digits))]"
        }
        var table = TextTable(["model", "samples", "solver", "steps", "guidance", "NFE/sample", "FID", "IS", "KID", "precision", "recall", "class-FID", "sampling s"])
        table.add([model, "\(keys.count)", solver, "\(steps)", fmt(Double(guidance), 2), fmt(nfe, 0), cell(metrics.fid, "fid", 2),
                   cell(metrics.isMean, "is_mean", 2), cell(metrics.kidMean, "kid_mean", 1), cell(metrics.precision, "precision", 3),
                   cell(metrics.recall, "recall", 3), cell(metrics.classFID, "class_fid", 1), fmt(sampling, 1)])
        print(table.render())
        print("[…]: 95 % intervals, \(bootstrap.method)")
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            var object = try JSONSerialization.jsonObject(with: try encoder.encode(metrics)) as! [String: Any]
            object["model"] = model
            object["solver"] = solver
            object["steps"] = steps
            object["guidance"] = Double(guidance)
            object["seed"] = Int(seed)
            object["nfe_per_sample"] = nfe
            object["sampling_seconds"] = sampling
            object["reference_weights_hash"] = reference.weightsHash
            object["intervals"] = intervals.mapValues { [$0.low, $0.high] }
            object["bootstrap"] = bootstrap.method
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            let url = URL(fileURLWithPath: json)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            do { try writeFileAtomically(data, to: url) } catch { throw ValidationError("cannot write \(json): \(error.reason)") }
        }
        if let png {
            let columns = min(perClass, 16)
            let shown = keys.indices.filter { keys[$0].sample < columns }
            let grid = ImageGrid.samples(rows: sit.config.classes, columns: columns, side: sit.config.imageSize)
            let per = images.count / keys.count
            let url = URL(fileURLWithPath: png)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try grid.compose(shown.flatMap { images.data[($0 * per)..<(($0 + 1) * per)] }, count: shown.count).write(to: url)
        }
    }
}
