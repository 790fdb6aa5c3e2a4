import Foundation
import SiftModels
import Yams

/// Reading YAML spec files with errors that name the file, key and position.
enum SpecFile {
    /// Decodes a training spec, rejecting unknown keys (with the valid choices) and bad values.
    static func decodeTraining(path: String) throws -> TrainingSpec {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SpecError(file: path, message: "cannot read the file (\(error.localizedDescription))")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw SpecError(file: path, message: "not valid YAML: \(error)")
        }
        guard let mapping = node?.mapping else { throw SpecError(file: path, message: "expected a mapping of keys at the top level") }
        for (key, _) in mapping {
            guard let name = key.string, TrainingSpec.keys.contains(name) else {
                let mark = key.mark.map { "line \($0.line), column \($0.column): " } ?? ""
                throw SpecError(file: path, message: "\(mark)unknown key '\(key.string ?? "?")'; valid keys: \(TrainingSpec.keys.sorted().joined(separator: ", "))")
            }
        }
        let spec: TrainingSpec
        do { spec = try YAMLDecoder().decode(TrainingSpec.self, from: text) } catch {
            throw SpecError(file: path, message: describe(error))
        }
        if let problem = spec.validationError() { throw SpecError(file: path, message: problem) }
        return spec
    }

    /// A readable account of a decoding error (key path and what was wrong).
    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, ctx):
            return "missing key '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case let DecodingError.typeMismatch(type, ctx), let DecodingError.valueNotFound(type, ctx):
            return "key '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': expected \(type)"
        case let DecodingError.dataCorrupted(ctx):
            return "key '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// A spec file that cannot be used.
struct SpecError: Error, CustomStringConvertible {
    let file: String, message: String
    var description: String { "\(file): \(message)" }
}
