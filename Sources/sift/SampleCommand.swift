import ArgumentParser
import Foundation
import SiftData
import SiftModels
import SiftSearch
import SiftTensor

/// `sift sample`: plain sampling (no search) from a zoo model into a PNG grid.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Sample images of one class (or all classes) into a PNG grid.")
    @Option(help: "Zoo name (sit-s, sit-b, sit-l) or path to a weights file.") var model: String
    @Option(name: .customLong("class"), help: "Class index 0-9; omit for one row per class.") var classIndex: Int?
    @Option(help: "Samples (per class when --class is omitted).") var count: Int = 16
    @Option(help: "Sampling steps.") var steps: Int = 25
    @Option(help: "euler, heun or sde.") var solver: String = "heun"
    @Option(help: "Classifier-free guidance scale (1 = none).") var guidance: Float = 1
    @Option(help: "Seed of the initial noises.") var seed: UInt64 = 0
    @Option(help: "Output PNG path.") var out: String

    func validate() throws {
        guard Solver(rawValue: solver) != nil else { throw ValidationError("--solver must be one of \(Solver.allCases.map(\.rawValue).joined(separator: ", ")), got '\(solver)'") }
        guard count > 0, steps > 0 else { throw ValidationError("--count and --steps must be positive") }
        if let problem = Denoiser.guidanceProblem(Double(guidance)) { throw ValidationError("--guidance: \(problem)") }
        if let c = classIndex, !(0..<10).contains(c) { throw ValidationError("--class must be in 0...9, got \(c)") }
    }

    func run() throws {
        let sit = try ModelZoo.loadSiT(model)
        if let c = classIndex, c >= sit.config.classes {
            throw ValidationError("--class \(c) is out of range: \(model) has \(sit.config.classes) classes")
        }
        let denoiser = Denoiser(model: sit, guidance: guidance)
        let classes = classIndex.map { [$0] } ?? Array(0..<sit.config.classes)
        // Each sample's noises are keyed (seed, purpose, class, index): the same image whatever the batch.
        let generator = CandidateGenerator(denoiser: denoiser, solver: Solver(rawValue: solver)!, steps: steps, seed: seed)
        let keys = CandidateGenerator.plainKeys(classes: classes, perClass: count)
        let start = Date()
        let x = generator.generate(keys).images
        let labels = keys.map(\.classIndex)
        let seconds = Date().timeIntervalSince(start)
        let columns = classIndex == nil ? count : Int(Double(count).squareRoot().rounded(.up))
        let rows = (labels.count + columns - 1) / columns
        let grid = ImageGrid.samples(rows: rows, columns: columns, side: sit.config.imageSize)
        let url = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try grid.compose(x.data, count: labels.count).write(to: url)
        print(String(format: "wrote %@: %d samples, %@ %d steps, guidance %.2f, %d NFE per sample, %.2f s (%.0f NFE/s)",
                     out, labels.count, solver, steps, guidance, denoiser.forwardPasses / labels.count, seconds,
                     Double(denoiser.forwardPasses) / seconds))
    }
}

/// `sift models`: the zoo with parameters and exact forward FLOPs per sample.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the model zoo: parameters, FLOPs per forward pass, weights.")
    func run() throws {
        var table = TextTable(["name", "kind", "depth", "width", "heads", "params", "MFLOP/forward", "weights"])
        for c in SiTConfig.zoo {
            let url = ModelZoo.weightsURL(c.name)
            let present = FileManager.default.fileExists(atPath: url.path)
            table.add([c.name, "SiT (flow matching)", "\(c.depth)", "\(c.width)", "\(c.heads)", "\(c.parameterCount)",
                       fmt(Double(c.forwardFLOPs) / 1e6, 3), present ? url.path : "missing"])
        }
        for name in ModelZoo.classifierNames {
            guard let c = ModelZoo.makeClassifier(name, seed: 0) else { continue }
            let url = ModelZoo.weightsURL(name)
            let present = FileManager.default.fileExists(atPath: url.path)
            table.add([name, "classifier (\(c.featureDimension)-d features)", "", "", "", "\(c.parameterCount)",
                       fmt(Double(c.forwardFLOPs) / 1e6, 3), present ? url.path : "missing"])
        }
        print(table.render())
        print("FLOPs = 2 × multiply-accumulates of every matrix product and convolution (linear layers, patch embedding, attention) for one sample.")
    }
}

/// `sift eval-classifier NAME`: test-split accuracy of a zoo classifier.
struct EvalClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval-classifier", abstract: "Accuracy of a classifier on the Fashion-MNIST test split.")
    @Argument(help: "eval-cnn, clf-mlp, clf-vit, or a path to classifier weights.") var name: String
    @Option(help: "Folder with the Fashion-MNIST IDX files.") var data: String = FashionMNIST.defaultDirectory

    func run() throws {
        let model = try ModelZoo.loadClassifier(name)
        let test = try FashionMNIST.load(split: .test, directory: data)
        let start = Date()
        let accuracy = model.accuracy(pixels: test.pixels, labels: test.labels)
        print(String(format: "%@: test accuracy %.2f%% (%d images, %.1f s)", model.name, accuracy * 100, test.count, Date().timeIntervalSince(start)))
    }
}
