import Foundation

/// What a worker says of itself in answer to `describe` (docs/WORKER-PROTOCOL.md).
public struct WorkerDescription: Equatable, Sendable {
    /// The protocol version Sift speaks.
    public static let protocolVersion = 1

    public var name: String
    /// Operations served besides `describe` and `shutdown`.
    public var ops: Set<String>
    /// The weights file the worker reads, when it names one (hashed into cell ids).
    public var weights: String?
    /// Largest batch per request.
    public var maxBatch: Int
    /// One sample in the model's space `[C, H, W]` (models).
    public var sampleShape: [Int]?
    /// One image `[C, H, W]` (decoding models; verifiers).
    public var imageShape: [Int]?
    public var classes: Int?
    /// The unconditional label for classifier-free guidance (models; nil: none).
    public var nullClass: Int?
    /// Whether the worker applies guidance itself (`guidance: native`).
    public var guidesNatively: Bool
    /// FLOPs of one network evaluation of one sample (models), nil when unknown.
    public var flopsPerForward: Double?
    /// FLOPs of scoring one image (verifiers), nil when unknown.
    public var flopsPerImage: Double?
    public var featureDimension: Int?
    public var gradients: Bool

    /// Reads the fields of a `describe` response; `command` names the worker in errors.
    public init(fields: [String: Any], command: String) throws {
        func bad(_ problem: String) -> WorkerError { .badResponse(command: command, op: "describe", problem: problem) }
        func int(_ key: String) throws -> Int? {
            guard let value = fields[key], !(value is NSNullLike) else { return nil }
            guard let n = value as? Int else { throw bad("'\(key)' must be an integer, got \(value)") }
            return n
        }
        func number(_ key: String) throws -> Double? {
            guard let value = fields[key], !(value is NSNullLike) else { return nil }
            guard let d = value as? Double, d.isFinite, d >= 0 else { throw bad("'\(key)' must be a non-negative number or null, got \(value)") }
            return d
        }
        func shape(_ key: String) throws -> [Int]? {
            guard let value = fields[key], !(value is NSNullLike) else { return nil }
            guard let s = value as? [Int], s.count == 3, s.allSatisfy({ $0 > 0 }) else { throw bad("'\(key)' must be [C, H, W] of positive integers, got \(value)") }
            return s
        }
        guard let version = try int("protocol") else { throw bad("no 'protocol' field") }
        guard version == Self.protocolVersion else {
            throw WorkerError.unsuitable(command: command, problem: "speaks protocol version \(version); Sift speaks \(Self.protocolVersion)")
        }
        name = fields["name"] as? String ?? command
        guard let ops = fields["ops"] as? [String] else { throw bad("'ops' must list the operations it serves") }
        let known: Set<String> = ["velocity", "decode", "score", "features"]
        if let unknown = ops.first(where: { !known.contains($0) }) { throw bad("unknown operation '\(unknown)' in 'ops' (known: \(known.sorted().joined(separator: ", ")))") }
        self.ops = Set(ops)
        if let w = fields["weights"], !(w is NSNullLike) {
            guard let path = w as? String, !path.isEmpty else { throw bad("'weights' must be a path or null, got \(w)") }
            weights = path
        } else {
            weights = nil
        }
        maxBatch = try int("max_batch") ?? 256
        guard maxBatch >= 1 else { throw bad("'max_batch' must be at least 1, got \(maxBatch)") }
        sampleShape = try shape("sample_shape")
        imageShape = try shape("image_shape")
        classes = try int("classes")
        nullClass = try int("null_class")
        switch fields["guidance"] {
        case nil, is NSNullLike: guidesNatively = false
        case let g as String where g == "sift" || g == "native": guidesNatively = g == "native"
        case let g?: throw bad("'guidance' must be \"sift\" or \"native\", got \(g)")
        }
        flopsPerForward = try number("flops_per_forward")
        flopsPerImage = try number("flops_per_image")
        featureDimension = try int("feature_dimension")
        gradients = fields["gradients"] as? Bool ?? false
        if self.ops.contains("velocity") && sampleShape == nil { throw bad("a model ('velocity' in 'ops') must give 'sample_shape'") }
        if self.ops.contains("decode") && imageShape == nil { throw bad("a decoding model must give 'image_shape'") }
        if self.ops.contains("features") && featureDimension == nil { throw bad("'features' needs 'feature_dimension'") }
    }

    /// Throws unless the worker serves `op`; `role` says what the experiment named it for
    /// (`as a model`, `as a verifier`, `for self-similarity`).
    public func require(_ op: String, named role: String, command: String) throws {
        guard ops.contains(op) else {
            throw WorkerError.unsuitable(command: command, problem: "is named \(role) but serves no '\(op)' (it serves: \(ops.sorted().joined(separator: ", ")))")
        }
    }

    /// Shape of the images the model's samples become (decoded, or the samples themselves).
    public var outputImageShape: [Int]? { ops.contains("decode") ? imageShape : sampleShape }
}

/// JSON null as JSONSerialization returns it.
typealias NSNullLike = NSNull
