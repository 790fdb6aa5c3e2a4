import Foundation
import Testing
import SiftNN

/// Malformed safetensors input throws a `SafetensorsError` naming the file and tensor.
@Suite struct SafetensorsErrorTests {
    /// Decodes `data` expecting a failure; returns the error (nil when none was thrown).
    private func failure(_ data: Data, source: String = "bad.safetensors") -> SafetensorsError? {
        do {
            _ = try SafetensorsFile.decode(data, source: source)
            return nil
        } catch let error as SafetensorsError {
            #expect("\(error)".contains(source), "message names the source: \(error)")
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test(arguments: [0, 1, 7])
    func truncatedLengthPrefix(byteCount: Int) {
        let error = failure(Data(repeating: 0, count: byteCount))
        #expect(error == .truncated(source: "bad.safetensors", byteCount: byteCount))
    }

    @Test func headerLengthPastEnd() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let error = failure(fileBytes(header: header, data: [0, 0, 0, 0], declaredLength: 1000))
        guard case .headerPastEnd(_, 1000, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        let huge = failure(fileBytes(header: "{}", declaredLength: UInt64.max))
        guard case .headerPastEnd(_, UInt64.max, _)? = huge else {
            Issue.record("got \(String(describing: huge))")
            return
        }
    }

    @Test(arguments: ["", "not json", "[1, 2]", #"{"w": "#, "\"string\""])
    func invalidJSONHeader(header: String) {
        let error = failure(fileBytes(header: header))
        guard case .invalidJSON? = error else {
            Issue.record("header \(header): got \(String(describing: error))")
            return
        }
    }

    @Test func invalidUTF8Header() {
        var bytes = [UInt8](fileBytes(header: #"{"a":1}"#))
        bytes[10] = 0xFF
        #expect(failure(Data(bytes)) != nil)
    }

    @Test(arguments: ["dtype", "shape", "data_offsets"])
    func missingKey(key: String) {
        var fields = [#""dtype":"F32""#, #""shape":[1]"#, #""data_offsets":[0,4]"#]
        fields.removeAll { $0.contains("\"\(key)\"") }
        let header = #"{"layer.w":{"# + fields.joined(separator: ",") + "}}"
        let error = failure(fileBytes(header: header, data: [0, 0, 0, 0]))
        #expect(error == .missingKey(source: "bad.safetensors", tensor: "layer.w", key: key))
        #expect(error.map { "\($0)" }?.contains("layer.w") == true)
    }

    @Test(arguments: [
        #"{"t":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0.5,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[true],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,99999999999999999999999]}}"#,
        #"{"t":[1,2]}"#,
    ])
    func invalidValues(header: String) {
        let error = failure(fileBytes(header: header, data: [UInt8](repeating: 0, count: 8)))
        guard case .invalidValue(_, "t", _, _)? = error else {
            Issue.record("header \(header): got \(String(describing: error))")
            return
        }
    }

    @Test func metadataMustHoldStrings() {
        let header = #"{"__metadata__":{"step":10}}"#
        guard case .invalidValue(_, "__metadata__", "step", _)? = failure(fileBytes(header: header))
        else {
            Issue.record("non-string metadata was accepted")
            return
        }
    }

    @Test(arguments: ["I32", "F64", "U8", "BOOL", "F8_E4M3", "f32"])
    func unsupportedDType(dtype: String) {
        let header = #"{"emb":{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,8]}}"#
        let error = failure(fileBytes(header: header, data: [UInt8](repeating: 0, count: 8)))
        #expect(error == .unsupportedDType(source: "bad.safetensors", tensor: "emb", dtype: dtype))
        #expect(error.map { "\($0)" }?.contains(dtype) == true)
    }

    @Test(arguments: [[0, 12], [4, 0], [-4, 4], [9, 9]])
    func offsetsOutOfRange(offsets: [Int]) {
        let header = #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[\#(offsets[0]),\#(offsets[1])]}}"#
        let error = failure(fileBytes(header: header, data: [UInt8](repeating: 0, count: 8)))
        #expect(error == .offsetsOutOfRange(source: "bad.safetensors", tensor: "w",
                                            begin: offsets[0], end: offsets[1], dataSize: 8))
    }

    @Test func byteCountNotMatchingShapeAndDType() {
        // 3 F32 values need 12 bytes, the offsets span 8.
        let f32 = failure(fileBytes(
            header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
            data: [UInt8](repeating: 0, count: 8)))
        #expect(f32 == .byteCountMismatch(source: "bad.safetensors", tensor: "w", dtype: "F32",
                                          shape: [3], expected: 12, actual: 8))
        // 4 F16 values need 8 bytes, the offsets span 6.
        let f16 = failure(fileBytes(
            header: #"{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,6]}}"#,
            data: [UInt8](repeating: 0, count: 8)))
        #expect(f16 == .byteCountMismatch(source: "bad.safetensors", tensor: "h", dtype: "F16",
                                          shape: [2, 2], expected: 8, actual: 6))
        // A shape whose element count overflows Int.
        let huge = failure(fileBytes(
            header: #"{"x":{"dtype":"BF16","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#,
            data: [UInt8](repeating: 0, count: 8)))
        #expect(huge == .byteCountMismatch(source: "bad.safetensors", tensor: "x", dtype: "BF16",
                                           shape: [4_611_686_018_427_387_904, 4],
                                           expected: nil, actual: 8))
    }

    /// Random corruptions of a valid file either decode or throw `SafetensorsError`; the
    /// process never traps.
    @Test func corruptedFilesNeverCrash() throws {
        let valid = [UInt8](try SafetensorsFile(
            tensors: ["a": SafetensorsTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                      "b": SafetensorsTensor(shape: [1], values: [7])],
            metadata: ["m": "n"]).encode())
        var random = SplitMix64(seed: 2024)
        var thrown = 0
        for _ in 0..<3000 {
            var bytes = valid
            switch random.next() % 3 {
            case 0:
                bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
            case 1:
                for _ in 0..<(1 + random.next() % 4) {
                    let index = Int(random.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: random.next())
                }
            default:
                // Digits are the most interesting bytes to change in the header.
                let index = 8 + Int(random.next() % UInt64(bytes.count - 8 - 28))
                bytes[index] = UInt8(ascii: "0") + UInt8(random.next() % 10)
            }
            do {
                _ = try SafetensorsFile.decode(Data(bytes), source: "fuzz")
            } catch is SafetensorsError {
                thrown += 1
            }
        }
        #expect(thrown > 1000)
    }
}
