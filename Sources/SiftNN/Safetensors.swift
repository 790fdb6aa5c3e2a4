import Foundation
import SiftTensor
import SiftUtilities

/// One tensor of a safetensors file, converted to 32-bit floats.
///
/// `values` holds the elements in row-major order; its count equals the product of `shape`
/// (1 for a scalar with an empty shape).
public struct SafetensorsTensor: Sendable, Equatable {
    /// The dimensions, outermost first.
    public var shape: [Int]
    /// The elements in row-major order.
    public var values: [Float]

    /// Creates a tensor from its shape and row-major values.
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// A Hugging Face safetensors file held in memory: named tensors plus string metadata.
///
/// Layout on disk: an 8-byte little-endian header length `N`, `N` bytes of JSON header
/// (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`),
/// then the raw little-endian tensor data, offsets counted from the start of the data.
///
/// Reading accepts F32, F16 and BF16 tensors and converts them to `Float`; writing always
/// produces F32 tensors with keys in sorted order, so equal contents give identical bytes.
public struct SafetensorsFile: Sendable, Equatable {
    /// The tensors by name.
    public var tensors: [String: SafetensorsTensor]
    /// The string-to-string `__metadata__` of the header (empty when absent).
    public var metadata: [String: String]

    /// Creates a file from tensors and metadata.
    public init(tensors: [String: SafetensorsTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    // MARK: Reading

    /// Reads and decodes the safetensors file at `url`.
    /// - Throws: `SafetensorsError` naming the file (and tensor) on any problem.
    public static func read(from url: URL) throws -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafetensorsError.readFailed(source: url.path, reason: error.localizedDescription)
        }
        return try decode(data, source: url.path)
    }

    /// Decodes safetensors bytes. `source` names the data in error messages (usually a path).
    /// - Throws: `SafetensorsError` on truncated data, a bad header, unsupported dtypes or
    ///   offsets that do not match the shapes. Malformed input never crashes.
    public static func decode(_ data: Data, source: String) throws -> SafetensorsFile {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw SafetensorsError.truncated(source: source, byteCount: bytes.count)
        }
        var headerLength: UInt64 = 0
        for index in (0..<8).reversed() {
            headerLength = headerLength << 8 | UInt64(bytes[index])
        }
        let available = bytes.count - 8
        guard headerLength <= UInt64(available) else {
            throw SafetensorsError.headerPastEnd(
                source: source, headerLength: headerLength, available: available)
        }
        let dataStart = 8 + Int(headerLength)
        let header = try SafetensorsHeader.parse(
            Data(bytes[8..<dataStart]), dataSize: bytes.count - dataStart, source: source)

        var tensors: [String: SafetensorsTensor] = [:]
        bytes.withUnsafeBytes { (all: UnsafeRawBufferPointer) in
            for entry in header.entries {
                let raw = UnsafeRawBufferPointer(
                    rebasing: all[(dataStart + entry.begin)..<(dataStart + entry.end)])
                tensors[entry.name] = SafetensorsTensor(
                    shape: entry.shape, values: convert(raw, dtype: entry.dtype, count: entry.count))
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: header.metadata)
    }

    /// Converts `count` little-endian elements of `dtype` to floats.
    private static func convert(_ raw: UnsafeRawBufferPointer, dtype: SafetensorsDType,
                                count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                let offset = index * dtype.size
                switch dtype {
                case .f32:
                    let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                    buffer[index] = Float(bitPattern: UInt32(littleEndian: bits))
                case .f16:
                    let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
                    buffer[index] = HalfFloat.float(fromHalfBits: UInt16(littleEndian: bits))
                case .bf16:
                    let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
                    buffer[index] = HalfFloat.float(fromBFloat16Bits: UInt16(littleEndian: bits))
                }
            }
            initialized = count
        }
    }

    // MARK: Writing

    /// Encodes the file with every tensor as F32, tensors in sorted key order, `__metadata__`
    /// first (omitted when empty), and the JSON header padded with spaces to a multiple of
    /// 8 bytes. Float bit patterns (NaN payloads included) are kept exactly.
    /// - Throws: `SafetensorsError.invalidTensor` when a tensor's value count differs from the
    ///   product of its shape, a dimension is negative, or a tensor is named `__metadata__`.
    public func encode() throws -> Data {
        let names = tensors.keys.sorted()
        var json = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { key in
                "\(jsonString(key)):\(jsonString(metadata[key] ?? ""))"
            }
            fields.append("\(jsonString(SafetensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            guard let tensor = tensors[name] else { continue }
            try Self.check(tensor, name: name)
            let end = offset + tensor.values.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }

        var output = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { output.append(contentsOf: $0) }
        output.append(contentsOf: header)
        for name in names {
            guard let values = tensors[name]?.values else { continue }
            let littleEndianBits = values.map { $0.bitPattern.littleEndian }
            littleEndianBits.withUnsafeBytes { output.append(contentsOf: $0) }
        }
        return output
    }

    /// Encodes the file (see `encode()`) and writes it to `url` atomically: a temporary file in
    /// the same folder is written, flushed and renamed over `url`, so no partial file is left.
    /// - Throws: `SafetensorsError.invalidTensor` or `.writeFailed` naming the path.
    public func write(to url: URL) throws {
        let data = try encode()
        do {
            try writeFileAtomically(data, to: url)
        } catch {
            throw SafetensorsError.writeFailed(path: url.path, reason: error.reason)
        }
    }

    /// Checks that a tensor can be encoded consistently.
    private static func check(_ tensor: SafetensorsTensor, name: String) throws {
        guard name != SafetensorsHeader.metadataKey else {
            throw SafetensorsError.invalidTensor(
                tensor: name, reason: "the name is reserved for the header metadata")
        }
        if let bad = tensor.shape.first(where: { $0 < 0 }) {
            throw SafetensorsError.invalidTensor(tensor: name, reason: "dimension \(bad) is negative")
        }
        var product = 1
        for dimension in tensor.shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw SafetensorsError.invalidTensor(
                    tensor: name, reason: "shape \(tensor.shape) has more elements than Int holds")
            }
            product = next
        }
        guard product == tensor.values.count else {
            throw SafetensorsError.invalidTensor(
                tensor: name,
                reason: "shape \(tensor.shape) needs \(product) values, found \(tensor.values.count)")
        }
    }
}

/// A JSON string literal for `text`: quotes, backslashes and control characters escaped,
/// everything else kept as UTF-8.
private func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default:
            result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
