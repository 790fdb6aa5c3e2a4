import Foundation
import SiftNN
import Testing
@testable import SiftWorker

@Suite struct WorkerMessageTests {
    @Test func roundTripKeepsFieldsAndTensorsBitForBit() throws {
        let values: [Float] = [1, -0.5, .leastNonzeroMagnitude, 3.25e7, -0.0, 0.1]
        let message = WorkerMessage(fields: ["op": "velocity", "id": 7, "labels": [3, 3, 9]],
                                    tensors: ["x": SafetensorsTensor(shape: [2, 3], values: values), "t": SafetensorsTensor(shape: [2], values: [0.25, 1])])
        let framed = try message.framed()
        let length = try WorkerMessage.bodyLength(prefix: Array(framed.prefix(8)))
        #expect(length == framed.count - 8)
        let back = try WorkerMessage.decode(body: framed.dropFirst(8), source: "test")
        #expect(back.fields["op"] as? String == "velocity")
        #expect(back.fields["id"] as? Int == 7)
        #expect(back.fields["labels"] as? [Int] == [3, 3, 9])
        #expect(back.tensors["x"]!.values.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(back.tensors["x"]!.shape == [2, 3])
        #expect(back.tensors["t"]!.values == [0.25, 1])
    }

    /// The body is a plain safetensors blob: any reader sees the tensors and the fields' JSON.
    @Test func bodyIsSafetensors() throws {
        let body = try WorkerMessage(fields: ["op": "describe", "id": 0, "protocol": 1]).body()
        let file = try SafetensorsFile.decode(body, source: "body")
        let json = try #require(file.metadata["sift"])
        let fields = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(fields?["op"] as? String == "describe")
    }

    @Test func garbageIsRefusedWithAReason() throws {
        #expect(throws: WorkerMessageError.self) { try WorkerMessage.decode(body: Data("not safetensors".utf8), source: "x") }
        // A safetensors blob without the fields.
        let plain = try SafetensorsFile(tensors: ["a": SafetensorsTensor(shape: [1], values: [1])]).encode()
        #expect(throws: WorkerMessageError.garbage("the header's __metadata__ has no 'sift' entry")) { try WorkerMessage.decode(body: plain, source: "x") }
        // Fields that are not a JSON object.
        let array = try SafetensorsFile(metadata: ["sift": "[1, 2]"]).encode()
        #expect(throws: WorkerMessageError.self) { try WorkerMessage.decode(body: array, source: "x") }
        #expect(throws: WorkerMessageError.self) { try WorkerMessage.bodyLength(prefix: [0, 0, 0, 0, 0, 0, 0, 0x80]) }
    }
}
