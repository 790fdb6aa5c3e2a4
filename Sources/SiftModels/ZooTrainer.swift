import Foundation
import SiftData
import SiftNN
import SiftTensor

/// Builds the model a training spec names and its per-step loss, and writes the finished weights
/// with a model card.
public final class ZooTrainer {
    public let spec: TrainingSpec
    public let module: Module
    let lossOfStep: (Int) -> Tensor
    let evaluate: (() throws -> Double)?
    let kind: String
    let flops: Int
    let configuration: [String: String]
    /// JSON of the architecture, stored in the weights' metadata so any path can be loaded.
    let configJSON: String?

    public init(spec: TrainingSpec, data: LabeledImages) throws {
        self.spec = spec
        guard data.height == 28, data.width == 28, data.count > 0 else {
            throw ZooError.badConfig(file: spec.data, problem: "the zoo models need 28×28 images, the data has \(data.count) images of \(data.height)×\(data.width)")
        }
        if let bad = data.labels.first(where: { !(0..<10).contains($0) }) {
            throw ZooError.badConfig(file: spec.data, problem: "label \(bad) is outside 0…9")
        }
        if let config = SiTConfig.zoo.first(where: { $0.name == spec.model }) {
            let model = SiT(config, seed: spec.seed)
            module = model
            kind = "sit"
            flops = config.forwardFLOPs
            configuration = ["depth": "\(config.depth)", "width": "\(config.width)", "heads": "\(config.heads)",
                             "patch": "\(config.patch)", "image_size": "\(config.imageSize)", "classes": "\(config.classes)",
                             "mlp_ratio": "\(config.mlpRatio)", "frequency_size": "\(config.frequencySize)"]
            lossOfStep = { SiTTraining.loss(model: model, data: data, spec: spec, step: $0) }
            evaluate = nil
            configJSON = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        } else if let encoder = SSLTraining.make(spec.model, seed: spec.seed) {
            module = encoder
            kind = "classifier"
            flops = encoder.forwardFLOPs
            configuration = ["feature_dimension": "\(encoder.featureDimension)", "objective": "SimCLR NT-Xent, no labels",
                             "temperature": "\(SSLTraining.temperature)",
                             "test_accuracy": "of a linear probe fitted on the frozen features (the head)"]
            lossOfStep = { SSLTraining.loss(model: encoder, data: data, spec: spec, step: $0) }
            evaluate = {
                let test = try FashionMNIST.load(split: .test, directory: spec.data)
                return SSLTraining.fitLinearProbe(model: encoder, train: data, test: test, seed: spec.seed)
            }
            configJSON = nil
        } else if let classifier = ClassifierTraining.make(spec.model, seed: spec.seed) {
            module = classifier
            kind = "classifier"
            flops = classifier.forwardFLOPs
            configuration = ["feature_dimension": "\(classifier.featureDimension)"]
            lossOfStep = { ClassifierTraining.loss(model: classifier, data: data, spec: spec, step: $0) }
            evaluate = {
                let test = try FashionMNIST.load(split: .test, directory: spec.data)
                return classifier.accuracy(pixels: test.pixels, labels: test.labels)
            }
            configJSON = nil
        } else {
            throw ZooError.unknownModel(spec.model, known: ZooTrainer.trainable)
        }
    }

    /// Names `sift train` accepts.
    public static let trainable = SiTConfig.zoo.map(\.name) + ClassifierTraining.names + SSLTraining.names

    public func loss(_ step: Int) -> Tensor { lossOfStep(step) }

    /// Loads the EMA average into the model, evaluates it where that applies, and writes
    /// `<output>/<model>.safetensors` and `<output>/<model>.json`.
    public func finish(loop: TrainingLoop, summary: TrainingSummary, specPath: String, outputDirectory: URL) throws -> ModelCard {
        module.assign(loop.ema.shadow)
        let accuracy = try evaluate?()
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let weights = outputDirectory.appendingPathComponent("\(spec.model).safetensors")
        let formatter = ISO8601DateFormatter()
        let card = ModelCard(
            name: spec.model, kind: kind, weightsPath: "\(spec.output)/\(spec.model).safetensors", parameters: module.parameterCount,
            forwardFLOPsPerSample: flops, configuration: configuration, trainingFile: specPath,
            trainingCommand: "sift train \(specPath)", steps: summary.steps, batch: spec.batch,
            learningRate: spec.learningRate, emaDecay: spec.emaDecay, finalLoss: summary.finalLoss.isFinite ? summary.finalLoss : nil,
            wallSeconds: summary.wallSeconds, secondsPerStep: summary.secondsPerStep, resumedFrom: summary.resumedFrom,
            testAccuracy: accuracy, threads: Threads.count, date: formatter.string(from: Date()), siftVersion: "0.1.0")
        var metadata = ["model": spec.model, "kind": kind, "steps": "\(summary.steps)", "weights": "ema"]
        if let accuracy { metadata["test_accuracy"] = String(accuracy) }
        if let configJSON { metadata["config"] = configJSON }
        try SafetensorsFile(tensors: module.stateDict(), metadata: metadata).write(to: weights)
        try card.write(to: outputDirectory.appendingPathComponent("\(spec.model).json"))
        return card
    }
}

/// A model name or file the zoo cannot serve.
public enum ZooError: Error, CustomStringConvertible {
    case unknownModel(String, known: [String])
    case missingWeights(name: String, path: String)
    case badConfig(file: String, problem: String)
    /// A weights file naming no file that exists (a path, not a zoo name).
    case missingFile(path: String)
    /// A classifier's name or weights given where a diffusion model is expected.
    case notADiffusionModel(String, models: [String])
    /// A weights tensor holding NaN or ±Inf.
    case nonFiniteWeights(file: String, tensor: String, index: Int, value: Float)
    public var description: String {
        switch self {
        case let .unknownModel(name, known): return "unknown model '\(name)'; known: \(known.joined(separator: ", "))"
        case let .missingWeights(name, path): return "no weights for '\(name)' at \(path) (train them with `sift train Experiments/train/\(name).yaml`)"
        case let .badConfig(file, problem): return "\(file): \(problem)"
        case let .missingFile(path): return "no weights file at \(path)"
        case let .notADiffusionModel(name, models):
            return "'\(name)' is a classifier, not a diffusion model; models: \(models.joined(separator: ", ")) or a path to SiT weights"
        case let .nonFiniteWeights(file, tensor, index, value): return "\(file): tensor '\(tensor)' holds \(value) at element \(index); the weights are unusable"
        }
    }
}
