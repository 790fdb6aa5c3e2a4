import Foundation
import SiftNN

/// Sift's side of a worker: starts it, asks `describe`, and runs the typed operations in batches
/// of at most ``batchSize``, checking every answer (docs/WORKER-PROTOCOL.md).
public final class WorkerClient: @unchecked Sendable {
    public let command: String
    public let description: WorkerDescription
    /// Largest batch per request: the worker's `max_batch`, or less when the experiment asks.
    public let batchSize: Int
    let process: WorkerProcess
    private var nextID = 1
    private let lock = NSLock()
    /// Wall seconds spent in requests (sending, the worker's compute, receiving) and their count.
    public private(set) var requestSeconds = 0.0
    public private(set) var requests = 0
    /// The compute seconds the worker reported for those requests (its optional `seconds` field;
    /// requests without it add nothing): the rest of ``requestSeconds`` is protocol overhead.
    public private(set) var workerSeconds = 0.0

    /// Starts `command` and reads its description; `batch` caps the worker's `max_batch`.
    public init(command: String, batch: Int? = nil, timeout: Double = 600) throws {
        self.command = command
        process = try WorkerProcess(command: command, timeout: timeout)
        do {
            let answer = try Self.exchange(process, id: 0, op: "describe", fields: ["protocol": WorkerDescription.protocolVersion], tensors: [:])
            description = try WorkerDescription(fields: answer.fields, command: command)
        } catch {
            process.stop(grace: 1)
            throw error
        }
        nextID = 1
        batchSize = min(description.maxBatch, batch ?? .max)
    }

    /// Asks the worker to exit and waits for it (then SIGTERM, then SIGKILL).
    public func shutdown() {
        lock.lock(); defer { lock.unlock() }
        guard process.isRunning else { process.finish(); return }
        _ = try? request(op: "shutdown", fields: [:], tensors: [:])
        process.stop(grace: 5)
    }

    /// Velocities `(B, C, H, W)` of `x` at times `t` for `labels`; `guidance` only for native guidance.
    public func velocity(_ x: [Float], t: [Float], labels: [Int], guidance: Float? = nil) throws -> [Float] {
        guard let shape = description.sampleShape, description.ops.contains("velocity") else { throw unsuitable("it serves no 'velocity'") }
        return try batched(op: "velocity", input: x, per: shape, count: labels.count, result: "v", resultShape: shape) { range, part in
            var fields: [String: Any] = ["labels": Array(labels[range])]
            if let guidance { fields["guidance"] = Double(guidance) }
            return (fields, ["x": SafetensorsTensor(shape: [range.count] + shape, values: part),
                             "t": SafetensorsTensor(shape: [range.count], values: Array(t[range]))])
        }
    }

    /// Scores `(B)` of `images` generated for `labels`.
    public func score(_ images: [Float], shape: [Int], labels: [Int]) throws -> [Float] {
        guard description.ops.contains("score") else { throw unsuitable("it serves no 'score'") }
        return try batched(op: "score", input: images, per: shape, count: labels.count, result: "scores", resultShape: []) { range, part in
            (["labels": Array(labels[range])], ["images": SafetensorsTensor(shape: [range.count] + shape, values: part)])
        }
    }

    /// Feature vectors `(B, F)` of `images`.
    public func features(_ images: [Float], shape: [Int], count: Int) throws -> [Float] {
        guard let f = description.featureDimension, description.ops.contains("features") else { throw unsuitable("it serves no 'features'") }
        return try batched(op: "features", input: images, per: shape, count: count, result: "features", resultShape: [f]) { range, part in
            ([:], ["images": SafetensorsTensor(shape: [range.count] + shape, values: part)])
        }
    }

    /// Images `(B, image_shape)` of samples `x` (latent models).
    public func decode(_ x: [Float], count: Int) throws -> [Float] {
        guard let sample = description.sampleShape, let image = description.imageShape, description.ops.contains("decode") else {
            throw unsuitable("it serves no 'decode'")
        }
        return try batched(op: "decode", input: x, per: sample, count: count, result: "images", resultShape: image) { range, part in
            ([:], ["x": SafetensorsTensor(shape: [range.count] + sample, values: part)])
        }
    }

    func unsuitable(_ problem: String) -> WorkerError { .unsuitable(command: command, problem: problem) }

    /// Runs `op` over `count` items of `per` values each in batches of ``batchSize``, joining the
    /// `result` tensors (each item `resultShape`).
    func batched(op: String, input: [Float], per: [Int], count: Int, result: String, resultShape: [Int],
                 request make: (Range<Int>, [Float]) -> ([String: Any], [String: SafetensorsTensor])) throws -> [Float] {
        let inSize = per.reduce(1, *), outSize = resultShape.reduce(1, *)
        precondition(input.count == count * inSize, "\(op): \(input.count) values for \(count) items of \(per)")
        var out = [Float]()
        out.reserveCapacity(count * outSize)
        lock.lock(); defer { lock.unlock() }
        for lo in stride(from: 0, to: count, by: batchSize) {
            let range = lo..<min(count, lo + batchSize)
            let (fields, tensors) = make(range, Array(input[range.lowerBound * inSize..<range.upperBound * inSize]))
            let answer = try request(op: op, fields: fields, tensors: tensors)
            guard let tensor = answer.tensors[result] else {
                throw WorkerError.badResponse(command: command, op: op, problem: "no '\(result)' tensor in the answer (got \(answer.tensors.keys.sorted()))")
            }
            guard tensor.shape == [range.count] + resultShape else {
                throw WorkerError.badResponse(command: command, op: op, problem: "'\(result)' has shape \(tensor.shape), expected \([range.count] + resultShape)")
            }
            if let bad = tensor.values.firstIndex(where: { !$0.isFinite }) {
                throw WorkerError.badResponse(command: command, op: op, problem: "'\(result)' holds \(tensor.values[bad]) at item \(range.lowerBound + bad / max(outSize, 1))")
            }
            out += tensor.values
        }
        return out
    }

    /// One request and its checked answer (caller holds the lock).
    func request(op: String, fields: [String: Any], tensors: [String: SafetensorsTensor]) throws -> WorkerMessage {
        let id = nextID
        nextID += 1
        let start = Date()
        defer { requestSeconds += Date().timeIntervalSince(start); requests += 1 }
        let answer = try Self.exchange(process, id: id, op: op, fields: fields, tensors: tensors)
        if let s = answer.fields["seconds"] as? Double, s.isFinite, s >= 0 { workerSeconds += s }
        return answer
    }

    static func exchange(_ process: WorkerProcess, id: Int, op: String, fields: [String: Any], tensors: [String: SafetensorsTensor]) throws -> WorkerMessage {
        var all = fields
        all["op"] = op
        all["id"] = id
        try process.send(WorkerMessage(fields: all, tensors: tensors), op: op)
        let answer = try process.receive(op: op)
        guard let answered = answer.fields["id"] as? Int, answered == id else {
            throw WorkerError.badResponse(command: process.command, op: op, problem: "answered id \(answer.fields["id"].map { "\($0)" } ?? "none"), expected \(id)")
        }
        guard let ok = answer.fields["ok"] as? Bool else {
            throw WorkerError.badResponse(command: process.command, op: op, problem: "the answer has no boolean 'ok'")
        }
        guard ok else { throw WorkerError.failed(command: process.command, op: op, message: answer.fields["error"] as? String ?? "no message") }
        return answer
    }
}
