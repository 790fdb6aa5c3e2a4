import Foundation
import SiftMetrics
import SiftSearch
import SiftUtilities

/// The per-sample data a finished cell keeps beside its metrics, so that any metric can be
/// recomputed or resampled without generating anything: `features.npy` and `logits.npy`
/// (eval-cnn, float32, one row per line of `selection.jsonl`, same order) and, with held-out
/// verifiers, `held_out.csv` (one column per verifier, one row per slot).
public enum CellData {
    public static let featuresFile = "features.npy"
    public static let logitsFile = "logits.npy"
    public static let heldOutFile = "held_out.csv"

    /// The metric columns of the metric names an experiment file lists (`fid`, `is`, `kid`, …).
    public static func columns(metrics: [String]) -> Set<String> {
        let map = ["fid": "fid", "is": "is_mean", "kid": "kid_mean", "precision": "precision", "recall": "recall", "class_fid": "class_fid"]
        return Set(metrics.compactMap { map[$0] })
    }

    /// The per-slot values of a cell: the verifier's scores (`score.mean`: final scores when the
    /// verifier's are absolute, else the scores at selection; none without search scores) and the
    /// held-out verifiers' (`held_out.<name>`).
    public static func values(slotScores: [Double]?, heldOut: [String: [Double]]) -> [String: [Double]] {
        var out = [String: [Double]]()
        if let slotScores { out["score.mean"] = slotScores }
        for (name, scores) in heldOut { out[CellMetrics.prefix + name] = scores }
        return out
    }

    /// Writes the features, logits and held-out scores of a cell into its folder.
    public static func write(features: FeatureMatrix, logits: FeatureMatrix, heldOut: [String: [Double]], cell: String, store: ResultStore) throws {
        let folder = store.folder(cell)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (matrix, name) in [(features, featuresFile), (logits, logitsFile)] {
            do { try FeatureFile.writeNPY(matrix, to: folder.appendingPathComponent(name).path) } catch {
                throw StoreError(path: folder.appendingPathComponent(name).path, problem: error.problem)
            }
        }
        guard !heldOut.isEmpty else { return }
        let names = heldOut.keys.sorted()
        var csv = names.map { ResultStore.csvCell($0) }.joined(separator: ",") + "\n"
        for slot in 0..<features.rows { csv += names.map { "\(heldOut[$0]![slot])" }.joined(separator: ",") + "\n" }
        try store.write(Data(csv.utf8), cell: cell, file: heldOutFile)
    }

    /// The per-sample data of a finished cell folder: labels and scores from `selection.jsonl`,
    /// features and logits, held-out scores. Throws naming the file when one is missing or its
    /// rows do not match the selection.
    public static func read(_ folder: URL) throws -> CellSamples {
        try read(folder, features: nil, logits: nil, heldOut: nil)
    }

    /// ``read(_:)`` with the features, logits and held-out scores given instead of read.
    static func read(_ folder: URL, features: FeatureMatrix?, logits: FeatureMatrix?, heldOut: [String: [Double]]?) throws -> CellSamples {
        let selectionURL = folder.appendingPathComponent("selection.jsonl")
        guard let text = try? String(contentsOf: selectionURL, encoding: .utf8) else {
            throw StoreError(path: selectionURL.path, problem: "cannot be read (is this a finished cell folder?)")
        }
        var labels = [Int](), final = [Double](), search = [Double]()
        for (i, line) in text.split(separator: "\n").enumerated() {
            guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let c = row["class"] as? Int else {
                throw StoreError(path: "\(selectionURL.path):\(i + 1)", problem: "not a selection row")
            }
            labels.append(c)
            if let f = row["final_score"] as? Double { final.append(f) }
            if let s = row["search_score"] as? Double { search.append(s) }
        }
        func matrix(_ name: String) throws -> FeatureMatrix {
            let path = folder.appendingPathComponent(name).path
            let m: FeatureMatrix
            do { m = try FeatureFile.read(path) } catch { throw StoreError(path: path, problem: "\(error.problem); rebuild it with `sift evaluate`") }
            guard m.rows == labels.count else { throw StoreError(path: path, problem: "has \(m.rows) rows for \(labels.count) selected samples") }
            return m
        }
        let scores = final.count == labels.count ? final : (search.count == labels.count ? search : nil)
        return CellSamples(labels: labels, features: try features ?? matrix(featuresFile), logits: try logits ?? matrix(logitsFile),
                           values: values(slotScores: scores, heldOut: try heldOut ?? readHeldOut(folder, rows: labels.count)))
    }

    /// The (class, sample) of every row of a cell's `selection.jsonl`, in order.
    public static func slots(_ folder: URL) throws -> [[Int]] {
        try ExperimentRunner.selectionKeys(folder).map { [$0.classIndex, $0.sample] }
    }

    static func readHeldOut(_ folder: URL, rows: Int) throws -> [String: [Double]] {
        let url = folder.appendingPathComponent(heldOutFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        let table: CSVTable
        do { table = try CSVTable.read(url.path) } catch { throw StoreError(path: url.path, problem: error.problem) }
        guard let header = table.header, table.rows == rows else { throw StoreError(path: url.path, problem: "needs a header and \(rows) rows") }
        return Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, table.column($0)) })
    }
}
