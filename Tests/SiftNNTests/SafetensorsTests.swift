import Foundation
import Testing
import SiftNN

/// Round trips, half-precision conversion and atomic writing of safetensors files.
@Suite struct SafetensorsTests {
    @Test func roundTripWithMetadataIsBitExact() throws {
        var random = SplitMix64(seed: 7)
        let randomValues = (0..<60).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
        let special: [Float] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, Float(bitPattern: 0x7FC0_1234),
                                Float(bitPattern: 0xFF80_0001), 1.5, -3.25]
        let original = SafetensorsFile(
            tensors: [
                "blocks.0.weight": SafetensorsTensor(shape: [3, 4, 5], values: randomValues),
                "special": SafetensorsTensor(shape: [10], values: special),
                "scalar": SafetensorsTensor(shape: [], values: [42]),
                "empty": SafetensorsTensor(shape: [0, 3], values: []),
                "naïve \"quoted\"\n": SafetensorsTensor(shape: [1], values: [-1]),
            ],
            metadata: ["format": "pt", "note": "tab\there, quote \" backslash \\ ünïcødé ✓",
                       "control": "\u{01}\u{1F}"])

        let encoded = try original.encode()
        let decoded = try SafetensorsFile.decode(encoded, source: "memory")
        #expect(decoded.metadata == original.metadata)
        #expect(Set(decoded.tensors.keys) == Set(original.tensors.keys))
        for (name, tensor) in original.tensors {
            let copy = try #require(decoded.tensors[name])
            #expect(copy.shape == tensor.shape, "shape of \(name)")
            #expect(copy.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "bits of \(name)")
        }
        // Encoding is deterministic: re-encoding the decoded file gives the same bytes.
        #expect(try decoded.encode() == encoded)
    }

    @Test func headerIsPaddedSortedAndValidJSON() throws {
        let file = SafetensorsFile(
            tensors: ["b": SafetensorsTensor(shape: [1], values: [1]),
                      "a": SafetensorsTensor(shape: [2], values: [2, 3]),
                      "c": SafetensorsTensor(shape: [], values: [4])],
            metadata: ["k": "v"])
        let bytes = [UInt8](try file.encode())
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length % 8 == 0)
        #expect(bytes.count == 8 + length + 4 * 4)
        let header = try #require(String(bytes: bytes[8..<(8 + length)], encoding: .utf8))
        let json = try #require(
            JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["__metadata__", "a", "b", "c"])
        let positions = ["__metadata__", "\"a\"", "\"b\"", "\"c\""].compactMap {
            header.range(of: $0)?.lowerBound
        }
        #expect(positions.count == 4 && positions == positions.sorted())
        let a = try #require(json["a"] as? [String: Any])
        #expect(a["dtype"] as? String == "F32")
        #expect(a["data_offsets"] as? [Int] == [0, 8])
    }

    @Test func readsF16IncludingSubnormalsInfinityAndNaN() throws {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x03FF, 0x0400,
                              0x7C00, 0xFC00, 0x8000, 0x8001, 0x3555]
        let expected: [Float] = [1, -2, 0.5, 65504, 0x1p-24, 1023 * 0x1p-24, 0x1p-14,
                                 .infinity, -.infinity, -0.0, -0x1p-24, 0.333251953125]
        let file = try SafetensorsFile.decode(
            fileBytes(header: #"{"h":{"dtype":"F16","shape":[3,4],"data_offsets":[0,24]}}"#,
                      data: bytes16(bits)),
            source: "half.safetensors")
        let tensor = try #require(file.tensors["h"])
        #expect(tensor.shape == [3, 4])
        #expect(tensor.values.map(\.bitPattern) == expected.map(\.bitPattern))

        let nan = try SafetensorsFile.decode(
            fileBytes(header: #"{"n":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#,
                      data: bytes16([0x7E00, 0xFD01])),
            source: "nan.safetensors")
        let values = try #require(nan.tensors["n"]?.values)
        #expect(values.allSatisfy { $0.isNaN })
        #expect(values[1].sign == .minus)
    }

    /// Every one of the 65,536 half-precision bit patterns converts like Swift's `Float16`.
    @Test func f16ConversionMatchesFloat16Exhaustively() throws {
        let all = [UInt16](0...UInt16.max)
        let header = #"{"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}"#
        let file = try SafetensorsFile.decode(
            fileBytes(header: header, data: bytes16(all)), source: "all.safetensors")
        let values = try #require(file.tensors["all"]?.values)
        var mismatches = 0
        for (bits, value) in zip(all, values) {
            let reference = Float(Float16(bitPattern: bits))
            let same = reference.isNaN
                ? value.isNaN && value.sign == reference.sign
                : value.bitPattern == reference.bitPattern
            if !same { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func readsBF16() throws {
        let bits: [UInt16] = [0x3F80, 0xC000, 0x3F00, 0x7F7F, 0x0001, 0x7F80, 0xFF80, 0x8000, 0x4049]
        let expected: [Float] = [1, -2, 0.5, Float(bitPattern: 0x7F7F_0000),
                                 Float(bitPattern: 0x0001_0000), .infinity, -.infinity, -0.0,
                                 3.140625]
        let file = try SafetensorsFile.decode(
            fileBytes(header: #"{"__metadata__":{"a":"b"},"w":{"dtype":"BF16","shape":[9],"data_offsets":[0,18]}}"#,
                      data: bytes16(bits)),
            source: "bf16.safetensors")
        #expect(file.metadata == ["a": "b"])
        #expect(file.tensors["w"]?.values.map(\.bitPattern) == expected.map(\.bitPattern))
        let nan = try SafetensorsFile.decode(
            fileBytes(header: #"{"n":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}"#,
                      data: bytes16([0x7FC1])),
            source: "nan.safetensors")
        #expect(nan.tensors["n"]?.values.first?.bitPattern == 0x7FC1_0000)
    }

    @Test func readsTensorsAtOffsetsInAnyOrder() throws {
        // "b" is stored before "a"; the header lists them in the other order.
        let data = bytes32([Float(5).bitPattern, Float(6).bitPattern]) + bytes16([0x3C00])
        let header = #"{"a":{"dtype":"F16","shape":[],"data_offsets":[8,10]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let file = try SafetensorsFile.decode(fileBytes(header: header, data: data), source: "m")
        #expect(file.tensors["a"] == SafetensorsTensor(shape: [], values: [1]))
        #expect(file.tensors["b"] == SafetensorsTensor(shape: [2], values: [5, 6]))
        #expect(file.metadata.isEmpty)
    }

    @Test func writeIsAtomicAndReadsBack() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        let first = SafetensorsFile(tensors: ["w": SafetensorsTensor(shape: [2], values: [1, 2])])
        let second = SafetensorsFile(tensors: ["w": SafetensorsTensor(shape: [3], values: [3, 4, 5])],
                                     metadata: ["step": "10"])
        try first.write(to: url)
        try second.write(to: url)  // replaces the existing file
        #expect(try SafetensorsFile.read(from: url) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])

        let missingFolder = folder.appendingPathComponent("no/such/folder/x.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try second.write(to: missingFolder) }
        guard case .writeFailed(let path, _)? = error else {
            Issue.record("expected writeFailed, got \(String(describing: error))")
            return
        }
        #expect(path == missingFolder.path)
        #expect(error.map { "\($0)" }?.contains(missingFolder.path) == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }

    @Test func encodeRejectsInconsistentTensors() {
        let cases: [(String, SafetensorsTensor)] = [
            ("short", SafetensorsTensor(shape: [2, 2], values: [1, 2, 3])),
            ("negative", SafetensorsTensor(shape: [-1], values: [])),
            ("huge", SafetensorsTensor(shape: [Int.max, 4], values: [])),
            ("__metadata__", SafetensorsTensor(shape: [1], values: [1])),
        ]
        for (name, tensor) in cases {
            let error = #expect(throws: SafetensorsError.self, "tensor \(name)") {
                _ = try SafetensorsFile(tensors: [name: tensor]).encode()
            }
            guard case .invalidTensor(name, _)? = error else {
                Issue.record("tensor \(name): got \(String(describing: error))")
                continue
            }
        }
    }

    @Test func readingAMissingFileNamesIt() {
        let url = URL(fileURLWithPath: "/nonexistent/sift/model.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile.read(from: url) }
        guard case .readFailed(let source, _)? = error else {
            Issue.record("expected readFailed, got \(String(describing: error))")
            return
        }
        #expect(source == url.path)
        #expect(error.map { "\($0)" }?.contains(url.path) == true)
    }
}

// MARK: - Helpers shared by the safetensors tests

/// A safetensors file from a header string (padded with spaces) and raw data bytes.
func fileBytes(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    var json = Array(header.utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    let length = declaredLength ?? UInt64(json.count)
    var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
    bytes += json + data
    return Data(bytes)
}

/// Little-endian bytes of 16-bit words.
func bytes16(_ words: [UInt16]) -> [UInt8] {
    words.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
}

/// Little-endian bytes of 32-bit words.
func bytes32(_ words: [UInt32]) -> [UInt8] {
    words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) } }
}

/// A fresh empty folder under the system temporary directory.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("sift-nn-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small deterministic generator so that randomised tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
