import Foundation
import SiftNN
import SiftTensor

/// Named models and their weights: `Models/<name>.safetensors` (or `$SIFT_MODELS/<name>…`), or
/// any path to a compatible safetensors file.
public enum ModelZoo {
    /// Folder of the shipped weights: `$SIFT_MODELS` if set, else `Models` in the current folder.
    public static var directory: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["SIFT_MODELS"] ?? "Models")
    }

    /// Every zoo name: the SiT sizes and the classifiers.
    public static var names: [String] { SiTConfig.zoo.map(\.name) + classifierNames }

    /// The networks with features and a class head: the supervised classifiers and the
    /// self-supervised encoder (whose head is its linear probe).
    public static var classifierNames: [String] { ClassifierTraining.names + SSLTraining.names }

    /// A new network of the classifier name `name`, or nil.
    public static func makeClassifier(_ name: String, seed: UInt64) -> Classifier? {
        ClassifierTraining.make(name, seed: seed) ?? SSLTraining.make(name, seed: seed)
    }

    /// The weights file a name or path refers to.
    public static func weightsURL(_ nameOrPath: String) -> URL {
        if isPath(nameOrPath) { return URL(fileURLWithPath: nameOrPath) }
        return directory.appendingPathComponent("\(nameOrPath).safetensors")
    }

    /// Loads a SiT by zoo name (`sit-s`, `sit-b`, `sit-l`) or from a path. The architecture comes
    /// from the file's `config` metadata, else from the zoo entry of the same name, else from the
    /// zoo entry whose width and depth match the tensors.
    public static func loadSiT(_ nameOrPath: String) throws -> SiT {
        let url = weightsURL(nameOrPath)
        let sitNames = SiTConfig.zoo.map(\.name)
        if classifierNames.contains(nameOrPath) { throw ZooError.notADiffusionModel(nameOrPath, models: sitNames) }
        guard FileManager.default.fileExists(atPath: url.path) else {
            if names.contains(nameOrPath) { throw ZooError.missingWeights(name: nameOrPath, path: url.path) }
            if isPath(nameOrPath) { throw ZooError.missingFile(path: url.path) }
            throw ZooError.unknownModel(nameOrPath, known: sitNames)
        }
        let file = try SafetensorsFile.read(from: url)
        if let kind = file.metadata["model"], classifierNames.contains(kind) {
            throw ZooError.notADiffusionModel("\(url.path) (metadata model '\(kind)')", models: sitNames)
        }
        try checkFinite(file, source: url.path)
        let config = try sitConfig(file: file, name: nameOrPath, source: url.path)
        let model = SiT(config)
        try model.load(file.tensors, source: url.path)
        return model
    }

    /// Whether a model argument names a file rather than a zoo entry.
    public static func isPath(_ nameOrPath: String) -> Bool { nameOrPath.hasSuffix(".safetensors") || nameOrPath.contains("/") }

    /// Throws at the first NaN or ±Inf of any tensor (in name order).
    static func checkFinite(_ file: SafetensorsFile, source: String) throws {
        for name in file.tensors.keys.sorted() {
            let values = file.tensors[name]!.values
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw ZooError.nonFiniteWeights(file: source, tensor: name, index: i, value: values[i])
            }
        }
    }

    /// Loads a classifier (`eval-cnn`, `clf-mlp`, `clf-vit`, `ssl-vit`) by name or from a path whose
    /// `model` metadata names the architecture.
    public static func loadClassifier(_ nameOrPath: String) throws -> Classifier {
        let url = weightsURL(nameOrPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            if names.contains(nameOrPath) { throw ZooError.missingWeights(name: nameOrPath, path: url.path) }
            throw ZooError.unknownModel(nameOrPath, known: classifierNames)
        }
        let file = try SafetensorsFile.read(from: url)
        try checkFinite(file, source: url.path)
        let architecture = classifierNames.contains(nameOrPath) ? nameOrPath : (file.metadata["model"] ?? "")
        guard let model = makeClassifier(architecture, seed: 0) else {
            throw ZooError.badConfig(file: url.path, problem: "metadata 'model' must name one of \(classifierNames.joined(separator: ", ")) (found '\(architecture)')")
        }
        try model.load(file.tensors, source: url.path)
        return model
    }

    static func sitConfig(file: SafetensorsFile, name: String, source: String) throws -> SiTConfig {
        if let json = file.metadata["config"] {
            let config: SiTConfig
            do { config = try JSONDecoder().decode(SiTConfig.self, from: Data(json.utf8)) } catch {
                throw ZooError.badConfig(file: source, problem: "metadata 'config' is not a SiT configuration (\(error))")
            }
            if let problem = config.validationError() { throw ZooError.badConfig(file: source, problem: problem) }
            return config
        }
        if let config = SiTConfig.zoo.first(where: { $0.name == name || $0.name == file.metadata["model"] }) { return config }
        let width = file.tensors["x_embedder.proj.bias"]?.shape.first
        let depth = Set(file.tensors.keys.compactMap { key -> Substring? in
            let parts = key.split(separator: ".")
            return parts.count > 1 && parts[0] == "blocks" ? parts[1] : nil
        }).count
        if let config = SiTConfig.zoo.first(where: { $0.width == width && $0.depth == depth }) { return config }
        throw ZooError.badConfig(file: source, problem: "no 'config' metadata and no zoo model with width \(width.map(String.init) ?? "?") and depth \(depth)")
    }
}
