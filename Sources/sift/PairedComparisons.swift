import Foundation
import SiftExperiments
import SiftMetrics
import SiftReport
import SiftSearch

/// Paired bootstrap comparisons of plotted points for the report (crossover marks, matrix
/// greying): finds each cell's folder under the given experiment folders, reads its per-sample
/// data once, and compares each pair of cells once for all columns.
final class PairedComparisons: @unchecked Sendable {
    let folders: [String: URL]
    let reference: MetricReference?
    let options = BootstrapOptions()
    private let lock = NSLock()
    private var samples = [String: CellSamples?]()
    private var pairs = [String: [PairedDifference]]()

    /// `experiments`: results folders (`Results/<name>`) whose cell folders may be compared.
    init(experiments: [URL]) {
        var map = [String: URL]()
        for folder in experiments {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                let cell = folder.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: cell.appendingPathComponent(CellData.featuresFile).path) { map[name] = cell }
            }
        }
        folders = map
        reference = map.isEmpty ? nil : try? VerifierFactory().referenceSet().metrics
    }

    func cellSamples(_ id: String) -> CellSamples? {
        if let cached = samples[id] { return cached }
        let loaded = folders[id].flatMap { try? CellData.read($0) }
        samples[id] = loaded
        return loaded
    }

    /// The paired interval of `column(a) − column(b)` for two single-cell points with the same slots.
    func test(_ column: String, _ a: PointDetail, _ b: PointDetail) -> (low: Double, high: Double)? {
        guard a.cells.count == 1, b.cells.count == 1, let reference else { return nil }
        lock.lock(); defer { lock.unlock() }
        let key = a.cells[0] + "|" + b.cells[0]
        if pairs[key] == nil {
            guard let sa = cellSamples(a.cells[0]), let sb = cellSamples(b.cells[0]), sa.labels == sb.labels else { return nil }
            // Δ = a − b: the second argument of `compare` minus the first.
            pairs[key] = CellStatistics.compare(sb, sa, reference: reference, options: options)
        }
        return pairs[key]?.first { $0.metric == column }.map { ($0.interval.low, $0.interval.high) }
    }
}
