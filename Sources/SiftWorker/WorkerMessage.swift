import Foundation
import SiftNN

/// One message of the worker protocol (docs/WORKER-PROTOCOL.md): JSON fields plus named F32
/// tensors, carried as a safetensors body whose `__metadata__["sift"]` holds the fields as JSON.
public struct WorkerMessage {
    /// The JSON fields (`op`, `id`, `ok`, `error`, `labels`, …).
    public var fields: [String: Any]
    /// The tensors by name.
    public var tensors: [String: SafetensorsTensor]

    /// The metadata key under which the fields travel.
    public static let metadataKey = "sift"
    /// Largest body accepted (anything longer is treated as garbage).
    public static let maxBodyBytes: UInt64 = 4 << 30

    public init(fields: [String: Any], tensors: [String: SafetensorsTensor] = [:]) {
        self.fields = fields
        self.tensors = tensors
    }

    /// The body: a safetensors blob (F32 tensors in sorted order, fields in `__metadata__`).
    public func body() throws -> Data {
        guard JSONSerialization.isValidJSONObject(fields) else { throw WorkerMessageError.unencodable("fields are not JSON: \(fields)") }
        let json = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return try SafetensorsFile(tensors: tensors, metadata: [Self.metadataKey: String(decoding: json, as: UTF8.self)]).encode()
    }

    /// The framed message: the body's length as a little-endian u64, then the body.
    public func framed() throws -> Data {
        let body = try body()
        var data = Data(capacity: 8 + body.count)
        withUnsafeBytes(of: UInt64(body.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(body)
        return data
    }

    /// Decodes a body; `source` names the sender in errors.
    public static func decode(body: Data, source: String) throws -> WorkerMessage {
        let file: SafetensorsFile
        do { file = try SafetensorsFile.decode(body, source: source) } catch {
            throw WorkerMessageError.garbage("the body is not safetensors: \(error)")
        }
        guard let text = file.metadata[metadataKey] else {
            throw WorkerMessageError.garbage("the header's __metadata__ has no '\(metadataKey)' entry")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let fields = object as? [String: Any] else {
            throw WorkerMessageError.garbage("__metadata__.\(metadataKey) is not a JSON object: \(text.prefix(200))")
        }
        return WorkerMessage(fields: fields, tensors: file.tensors)
    }

    /// The body length a frame's 8-byte prefix announces, refusing absurd lengths.
    public static func bodyLength(prefix: [UInt8]) throws -> Int {
        precondition(prefix.count == 8, "a frame prefix has 8 bytes")
        let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= maxBodyBytes else { throw WorkerMessageError.garbage("a message announces \(length) bytes (more than 4 GiB)") }
        return Int(length)
    }
}

/// Why bytes are not a worker message.
public enum WorkerMessageError: Error, CustomStringConvertible, Equatable {
    case garbage(String)
    case unencodable(String)
    public var description: String {
        switch self {
        case .garbage(let why): return "not a worker message: \(why)"
        case .unencodable(let why): return "cannot encode a worker message: \(why)"
        }
    }
}
