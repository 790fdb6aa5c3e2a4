import Foundation
import SiftTensor

/// The files of an experiment under `Results/<name>/`: one folder per cell
/// (`config.yaml`, `metrics.json`, `samples.png`, `selection.jsonl`), and `summary.jsonl` /
/// `summary.csv` rebuilt from the finished cells. Every file is written atomically;
/// `metrics.json` is written last, so its presence marks a finished cell.
public struct ResultStore {
    public let root: URL

    public init(root: URL) { self.root = root }

    public func folder(_ cell: String) -> URL { root.appendingPathComponent(cell) }

    public func isFinished(_ cell: String) -> Bool {
        FileManager.default.fileExists(atPath: folder(cell).appendingPathComponent("metrics.json").path)
    }

    /// Creates the experiment folder, failing with a clear error when it cannot be written.
    public func prepare() throws {
        do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw StoreError(path: root.path, problem: "cannot create the results folder (\(error.localizedDescription))")
        }
        guard FileManager.default.isWritableFile(atPath: root.path) else {
            throw StoreError(path: root.path, problem: "the results folder is not writable")
        }
    }

    public func write(_ data: Data, cell: String, file: String) throws {
        let dir = folder(cell)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw StoreError(path: dir.path, problem: "cannot create the cell folder (\(error.localizedDescription))")
        }
        do { try writeFileAtomically(data, to: dir.appendingPathComponent(file)) } catch {
            throw StoreError(path: dir.appendingPathComponent(file).path, problem: error.reason)
        }
    }

    /// The `metrics.json` objects of every finished cell, ordered by cell index then id.
    public func finishedRecords() throws -> [[String: Any]] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var records = [[String: Any]]()
        for name in names where isFinished(name) {
            let url = folder(name).appendingPathComponent("metrics.json")
            guard let data = try? Data(contentsOf: url),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw StoreError(path: url.path, problem: "is not a valid metrics file; delete the cell folder to recompute it")
            }
            records.append(object)
        }
        return records.sorted {
            let a = $0["index"] as? Int ?? 0, b = $1["index"] as? Int ?? 0
            return a != b ? a < b : ($0["cell"] as? String ?? "") < ($1["cell"] as? String ?? "")
        }
    }

    /// Rebuilds `summary.jsonl` and `summary.csv` from the cell folders (so shards and resumed
    /// runs merge cleanly): one row per finished cell with its axes, metrics and ledger.
    @discardableResult
    public func rebuildSummary() throws -> [[String: Any]] {
        let rows = try finishedRecords().map(Self.summaryRow)
        var jsonl = Data()
        for row in rows {
            jsonl.append(try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]))
            jsonl.append(0x0A)
        }
        try writeRoot(jsonl, "summary.jsonl")
        let columns = Array(Set(rows.flatMap(\.keys))).sorted { Self.columnOrder($0, $1) }
        var csv = columns.joined(separator: ",") + "\n"
        for row in rows {
            csv += columns.map { Self.csvCell(row[$0]) }.joined(separator: ",") + "\n"
        }
        try writeRoot(Data(csv.utf8), "summary.csv")
        return rows
    }

    func writeRoot(_ data: Data, _ name: String) throws {
        do { try writeFileAtomically(data, to: root.appendingPathComponent(name)) } catch {
            throw StoreError(path: root.appendingPathComponent(name).path, problem: error.reason)
        }
    }

    /// A flat row: cell, index, axes (prefixed `axis.`), metrics, score statistics and ledger.
    static func summaryRow(_ record: [String: Any]) -> [String: Any] {
        var row = [String: Any]()
        row["cell"] = record["cell"]
        row["index"] = record["index"]
        for (k, v) in record["axes"] as? [String: Any] ?? [:] { row["axis.\(k)"] = v }
        for section in ["metrics", "verifier_scores", "ledger"] {
            for (k, v) in record[section] as? [String: Any] ?? [:] where !(v is [Any]) && !(v is [String: Any]) {
                row[section == "metrics" ? k : "\(section == "verifier_scores" ? "score" : "ledger").\(k)"] = v
            }
        }
        row["algorithm"] = record["algorithm"]
        row["budget"] = record["budget"]
        return row
    }

    static func columnOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ s: String) -> Int {
            if s == "cell" { return 0 }
            if s == "index" { return 1 }
            if s.hasPrefix("axis.") { return 2 }
            if s.hasPrefix("ledger.") { return 5 }
            if s.hasPrefix("score.") { return 4 }
            return 3
        }
        return rank(a) != rank(b) ? rank(a) < rank(b) : a < b
    }

    static func csvCell(_ value: Any?) -> String {
        guard let value else { return "" }
        let s = "\(value)"
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

/// A results file or folder that cannot be written or read.
public struct StoreError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}
