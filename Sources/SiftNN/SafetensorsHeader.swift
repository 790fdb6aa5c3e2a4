import Foundation

/// Element types this reader converts to `Float`, with their sizes in bytes.
enum SafetensorsDType: String {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    /// Bytes per element.
    var size: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        }
    }
}

/// One validated tensor entry of a header: a supported dtype, non-negative dimensions and a
/// byte range inside the data section whose length matches the shape.
struct SafetensorsEntry {
    let name: String
    let dtype: SafetensorsDType
    let shape: [Int]
    let count: Int
    let begin: Int
    let end: Int
}

/// The parsed and validated JSON header of a safetensors file.
struct SafetensorsHeader {
    /// The reserved header key holding string-to-string metadata.
    static let metadataKey = "__metadata__"

    var entries: [SafetensorsEntry]
    var metadata: [String: String]

    /// Parses the JSON header bytes and checks every entry against a data section of
    /// `dataSize` bytes.
    static func parse(_ json: Data, dataSize: Int, source: String) throws -> SafetensorsHeader {
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: json)
        } catch let error as DecodingError {
            throw translate(error, source: source)
        } catch {
            throw SafetensorsError.invalidJSON(source: source, reason: "\(error)")
        }
        var entries: [SafetensorsEntry] = []
        entries.reserveCapacity(raw.entries.count)
        for (name, entry) in raw.entries.sorted(by: { $0.key < $1.key }) {
            entries.append(try validate(entry, name: name, dataSize: dataSize, source: source))
        }
        return SafetensorsHeader(entries: entries, metadata: raw.metadata)
    }

    /// Checks dtype, shape, offsets and byte length of one raw entry.
    private static func validate(_ raw: RawEntry, name: String, dataSize: Int,
                                 source: String) throws -> SafetensorsEntry {
        guard raw.dataOffsets.count == 2 else {
            throw SafetensorsError.invalidValue(
                source: source, tensor: name, key: "data_offsets",
                reason: "expected [begin, end], found \(raw.dataOffsets.count) numbers")
        }
        if let bad = raw.shape.first(where: { $0 < 0 }) {
            throw SafetensorsError.invalidValue(
                source: source, tensor: name, key: "shape",
                reason: "dimension \(bad) is negative")
        }
        guard let dtype = SafetensorsDType(rawValue: raw.dtype) else {
            throw SafetensorsError.unsupportedDType(source: source, tensor: name, dtype: raw.dtype)
        }
        let begin = raw.dataOffsets[0], end = raw.dataOffsets[1]
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw SafetensorsError.offsetsOutOfRange(
                source: source, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let count = checkedProduct(raw.shape)
        let bytes = count.flatMap { checkedProduct([$0, dtype.size]) }
        guard let count, let bytes, bytes == end - begin else {
            throw SafetensorsError.byteCountMismatch(
                source: source, tensor: name, dtype: dtype.rawValue, shape: raw.shape,
                expected: bytes, actual: end - begin)
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: raw.shape, count: count,
                                begin: begin, end: end)
    }

    /// Turns a decoder error into a message naming the tensor and key it happened at.
    private static func translate(_ error: DecodingError, source: String) -> SafetensorsError {
        func pathString(_ path: [any CodingKey]) -> String {
            path.reduce(into: "") { text, key in
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
        }
        switch error {
        case let .keyNotFound(key, context):
            return .missingKey(source: source, tensor: context.codingPath.first?.stringValue ?? "?",
                               key: key.stringValue)
        case let .typeMismatch(_, context), let .valueNotFound(_, context),
             let .dataCorrupted(context):
            guard let tensor = context.codingPath.first else {
                let underlying = (context.underlyingError).map { ": \($0)" } ?? ""
                return .invalidJSON(source: source, reason: context.debugDescription + underlying)
            }
            return .invalidValue(source: source, tensor: tensor.stringValue,
                                 key: pathString(Array(context.codingPath.dropFirst())),
                                 reason: context.debugDescription)
        @unknown default:
            return .invalidJSON(source: source, reason: "\(error)")
        }
    }
}

/// Product of non-negative integers, or `nil` when it overflows `Int`.
private func checkedProduct(_ factors: [Int]) -> Int? {
    var product = 1
    for factor in factors {
        let (next, overflow) = product.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        product = next
    }
    return product
}

// MARK: - Decodable mirror of the JSON header

/// A coding key for arbitrary JSON object keys (tensor names).
private struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A JSON number that must be an integer fitting `Int`. Decoding through this wrapper keeps
/// the coding path (tensor and key) in the error, which the decoder drops for numbers that
/// do not fit `Int`.
private struct JSONInteger: Decodable {
    let value: Int

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self.value = value
            return
        }
        let found: String
        if let number = try? container.decode(Double.self) {
            found = "\(number) is not an integer that fits Int"
        } else if let flag = try? container.decode(Bool.self) {
            found = "\(flag) is not an integer"
        } else if let text = try? container.decode(String.self) {
            found = "\"\(text)\" is not an integer"
        } else {
            found = "expected an integer"
        }
        throw DecodingError.dataCorrupted(
            DecodingError.Context(codingPath: decoder.codingPath, debugDescription: found))
    }
}

/// One tensor entry exactly as it appears in the JSON.
private struct RawEntry: Decodable {
    let dtype: String
    let shape: [Int]
    let dataOffsets: [Int]

    enum CodingKeys: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dtype = try container.decode(String.self, forKey: .dtype)
        shape = try container.decode([JSONInteger].self, forKey: .shape).map(\.value)
        dataOffsets = try container.decode([JSONInteger].self, forKey: .dataOffsets).map(\.value)
    }
}

/// The whole JSON header: tensor entries plus the optional `__metadata__` object.
private struct RawHeader: Decodable {
    var entries: [String: RawEntry] = [:]
    var metadata: [String: String] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: NameKey.self)
        for key in container.allKeys {
            if key.stringValue == SafetensorsHeader.metadataKey {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(RawEntry.self, forKey: key)
            }
        }
    }
}
