import Foundation
import SiftUtilities

/// The JSON card committed beside each weights file.
public struct ModelCard: Codable, Sendable {
    public var name: String
    public var kind: String
    public var weightsPath: String
    public var parameters: Int
    public var forwardFLOPsPerSample: Int
    public var configuration: [String: String]
    public var trainingFile: String
    public var trainingCommand: String
    public var steps: Int
    public var batch: Int
    public var learningRate: Float
    public var emaDecay: Float
    /// Mean loss of the last logged window (nil if no step was logged).
    public var finalLoss: Double?
    public var wallSeconds: Double
    public var secondsPerStep: Double
    public var resumedFrom: Int?
    public var testAccuracy: Double?
    public var threads: Int
    public var date: String
    public var siftVersion: String

    enum CodingKeys: String, CodingKey {
        case name, kind, parameters, configuration, steps, batch, threads, date
        case weightsPath = "weights", forwardFLOPsPerSample = "forward_flops_per_sample", trainingFile = "training_file"
        case trainingCommand = "training_command", learningRate = "learning_rate", emaDecay = "ema_decay"
        case finalLoss = "final_loss", wallSeconds = "wall_seconds", secondsPerStep = "seconds_per_step"
        case resumedFrom = "resumed_from_step", testAccuracy = "test_accuracy", siftVersion = "sift_version"
    }

    /// Writes the card as pretty JSON (atomically).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeFileAtomicallyOrThrow(encoder.encode(self), to: url)
    }
}

import SiftTensor

/// `writeFileAtomically` with a descriptive error naming the path.
public func writeFileAtomicallyOrThrow(_ data: Data, to url: URL) throws {
    do { try writeFileAtomically(data, to: url) } catch {
        throw FileWriteError(path: url.path, reason: error.reason)
    }
}

/// A file that could not be written.
public struct FileWriteError: Error, CustomStringConvertible {
    public let path: String, reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}
