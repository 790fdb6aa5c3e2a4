import Foundation
import Testing
import SiftData

/// PNG encoding and decoding through libpng: exact round trips and rejected input.
@Suite struct PNGTests {
    @Test(arguments: [(1, 1, 1), (7, 13, 1), (31, 5, 1), (1, 1, 3), (9, 4, 3), (17, 23, 3)])
    func roundTripIsBitExact(width: Int, height: Int, channels: Int) throws {
        var random = SplitMix64(seed: UInt64(width * 1000 + height * 10 + channels))
        let image = PNGImage(width: width, height: height, channels: channels,
                             pixels: randomBytes(width * height * channels, using: &random))
        let encoded = try image.encode()
        #expect(Array(encoded.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try PNGImage.decode(encoded, source: "memory") == image)
    }

    @Test func writeIsAtomicAndReadsBack() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("grid.png")
        var random = SplitMix64(seed: 3)
        let grey = PNGImage(width: 10, height: 3, channels: 1, pixels: randomBytes(30, using: &random))
        let rgb = PNGImage(width: 4, height: 5, channels: 3, pixels: randomBytes(60, using: &random))
        try grey.write(to: url)
        #expect(try PNGImage.read(from: url) == grey)
        try rgb.write(to: url)  // replaces the file
        #expect(try PNGImage.read(from: url) == rgb)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["grid.png"])
    }

    @Test func writeIntoAMissingFolderNamesThePath() throws {
        let url = URL(fileURLWithPath: "/nonexistent/sift/out.png")
        let image = PNGImage(width: 1, height: 1, channels: 1, pixels: [0])
        let error = #expect(throws: PNGError.self) { try image.write(to: url) }
        guard case .writeFailed(url.path, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }

    @Test func writeOfAnInvalidImageNamesThePath() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("bad.png")
        let error = #expect(throws: PNGError.self) {
            try PNGImage(width: 2, height: 2, channels: 1, pixels: [1]).write(to: url)
        }
        #expect(error.map { "\($0)" }?.contains(url.path) == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func garbageDoesNotDecode() throws {
        var random = SplitMix64(seed: 5)
        let samples: [[UInt8]] = [[], [0x89, 0x50], Array("not a png at all".utf8),
                                  randomBytes(1000, using: &random)]
        for bytes in samples {
            let error = #expect(throws: PNGError.self) {
                try PNGImage.decode(Data(bytes), source: "garbage.png")
            }
            guard case .decodeFailed("garbage.png", _)? = error else {
                Issue.record("\(bytes.count) bytes: got \(String(describing: error))")
                continue
            }
        }
    }

    @Test func truncatedAndCorruptedPNGsThrowOrDecode() throws {
        var random = SplitMix64(seed: 9)
        let image = PNGImage(width: 20, height: 20, channels: 3, pixels: randomBytes(1200, using: &random))
        let encoded = [UInt8](try image.encode())
        #expect(throws: PNGError.self) {
            try PNGImage.decode(Data(encoded.prefix(encoded.count / 2)), source: "half.png")
        }
        for _ in 0..<300 {
            var bytes = encoded
            if random.next() % 2 == 0 {
                bytes.removeLast(1 + Int(random.next() % UInt64(bytes.count - 1)))
            } else {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: random.next())
            }
            do {
                _ = try PNGImage.decode(Data(bytes), source: "fuzz.png")
            } catch is PNGError {
                // expected for most corruptions
            }
        }
    }

    @Test(arguments: [(0, 1, 1, 0), (1, 0, 1, 0), (-1, 2, 1, 0), (2, 2, 2, 8), (2, 2, 4, 16),
                      (2, 2, 1, 3), (2, 2, 3, 4), (Int.max, 2, 3, 0)])
    func encodeRejectsInvalidImages(width: Int, height: Int, channels: Int, count: Int) {
        let image = PNGImage(width: width, height: height, channels: channels,
                             pixels: [UInt8](repeating: 0, count: count))
        let error = #expect(throws: PNGError.self) { try image.encode() }
        guard case .invalidImage? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }

    @Test func missingFileIsNamed() {
        let url = URL(fileURLWithPath: "/nonexistent/sift/in.png")
        let error = #expect(throws: PNGError.self) { try PNGImage.read(from: url) }
        guard case .readFailed(url.path, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }
}
