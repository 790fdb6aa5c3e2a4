import Foundation
@testable import SiftMetrics

/// The numpy/scipy fixtures of Tests/Fixtures/metrics (see make_metrics_fixtures.py there).
enum MetricsFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/metrics").standardized

    static func features(_ name: String) throws -> FeatureMatrix {
        try FeatureFile.read(folder.appendingPathComponent("\(name).npy").path)
    }

    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }
}
