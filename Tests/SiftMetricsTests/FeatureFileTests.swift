import Foundation
import Testing
import SiftUtilities
@testable import SiftMetrics

@Suite struct FeatureFileTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sift-features-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    @Test func readsNumpyWrittenFiles() throws {
        let real = try MetricsFixtures.features("real")
        #expect(real.rows == 400 && real.columns == 16)
        let f32 = try MetricsFixtures.features("real_f32")
        for (a, b) in zip(real.values, f32.values) { #expect(Double(Float(a)) == b) }
    }

    @Test func roundTripsOurOwnNPY() throws {
        let m = FeatureMatrix(rows: 3, columns: 2, values: [1, -2.5, 3, 4e-3, 5, 6])
        try FeatureFile.writeNPY(m, to: path("a.npy"), double: true)
        #expect(try FeatureFile.read(path("a.npy")) == m)
        try FeatureFile.writeNPY(m, to: path("b.npy"))
        #expect(try FeatureFile.read(path("b.npy")).values == m.values.map { Double(Float($0)) })
    }

    @Test func readsCSVWithHeader() throws {
        try "a,b,c\n1,2,3\n# comment\n4, 5.5 ,-6\n".write(toFile: path("f.csv"), atomically: true, encoding: .utf8)
        let m = try FeatureFile.read(path("f.csv"))
        #expect(m == FeatureMatrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5.5, -6]))
        // Windows line ends, and the header's names.
        try "a,b\r\n1,2\r\n3,4\r\n".write(toFile: path("crlf.csv"), atomically: true, encoding: .utf8)
        #expect(try FeatureFile.read(path("crlf.csv")) == FeatureMatrix(rows: 2, columns: 2, values: [1, 2, 3, 4]))
        #expect(try CSVTable.read(path("crlf.csv")).header == ["a", "b"])
    }

    @Test func badFilesNameTheProblem() throws {
        try "1,2\n3,x\n".write(toFile: path("bad.csv"), atomically: true, encoding: .utf8)
        #expect(throws: FeatureFileError(path: path("bad.csv"), problem: "line 2, column 2: 'x' is not a number")) {
            try FeatureFile.read(path("bad.csv"))
        }
        try "1,2\n3\n".write(toFile: path("ragged.csv"), atomically: true, encoding: .utf8)
        #expect(throws: FeatureFileError(path: path("ragged.csv"), problem: "line 2 has 1 values, earlier lines have 2")) {
            try FeatureFile.read(path("ragged.csv"))
        }
        try "1,nan\n".write(toFile: path("nan.csv"), atomically: true, encoding: .utf8)
        #expect(throws: FeatureFileError(path: path("nan.csv"), problem: "non-finite value nan at row 0, column 1")) {
            try FeatureFile.read(path("nan.csv"))
        }
        try "".write(toFile: path("empty.csv"), atomically: true, encoding: .utf8)
        #expect(throws: FeatureFileError.self) { try FeatureFile.read(path("empty.csv")) }
        // A truncated .npy.
        let whole = try Data(contentsOf: MetricsFixtures.folder.appendingPathComponent("fake.npy"))
        try whole.prefix(whole.count - 8).write(to: folder.appendingPathComponent("cut.npy"))
        #expect(throws: FeatureFileError(path: path("cut.npy"), problem: "truncated data: shape (300, 16) needs 38400 bytes, file has 38392")) {
            try FeatureFile.read(path("cut.npy"))
        }
        #expect(throws: FeatureFileError.self) { try FeatureFile.read(path("missing.npy")) }
    }
}
