import Foundation
import SiftTensor
import SiftUtilities

/// The files of an experiment under `Results/<name>/`: one folder per cell
/// (`config.yaml`, `metrics.json`, `samples.png`, `selection.jsonl`), and `summary.jsonl` /
/// `summary.csv` rebuilt from the finished cells. Every file is written atomically;
/// `metrics.json` is written last, so its presence marks a finished cell.
public struct ResultStore {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// Summary columns that measure wall-clock time: no two runs share them (comparisons of
    /// summaries leave them out).
    public static let wallClockColumns = ["ledger.seconds", "ledger.seconds_per_sample"]

    public func folder(_ cell: String) -> URL { root.appendingPathComponent(cell) }

    public func isFinished(_ cell: String) -> Bool {
        FileManager.default.fileExists(atPath: folder(cell).appendingPathComponent("metrics.json").path)
    }

    /// Removes a cell's finished mark (`metrics.json`) before it is rewritten.
    public func unmarkFinished(_ cell: String) throws {
        let url = folder(cell).appendingPathComponent("metrics.json")
        do { try FileManager.default.removeItem(at: url) } catch {
            throw StoreError(path: url.path, problem: "cannot remove the old record before rewriting the cell (\(error.localizedDescription))")
        }
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

    /// The record of a finished cell (nil when it is not finished or its record does not decode).
    public func record(_ cell: String) -> CellResult? {
        guard let data = try? Data(contentsOf: folder(cell).appendingPathComponent("metrics.json")) else { return nil }
        return try? CellResult.decoder.decode(CellResult.self, from: data)
    }

    /// The records of every finished cell, ordered by cell index then id.
    public func finishedRecords() throws -> [CellResult] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var records = [CellResult]()
        for name in names where isFinished(name) {
            let url = folder(name).appendingPathComponent("metrics.json")
            guard let data = try? Data(contentsOf: url), let record = try? CellResult.decoder.decode(CellResult.self, from: data) else {
                throw StoreError(path: url.path, problem: "is not a valid metrics file; delete the cell folder to recompute it")
            }
            records.append(record)
        }
        return records.sorted { $0.index != $1.index ? $0.index < $1.index : $0.cell < $1.cell }
    }

    /// Writes a cell's record as `metrics.json` (the finished mark: write it last).
    public func write(_ record: CellResult) throws {
        let data: Data
        do { data = try CellResult.encoder.encode(record) } catch {
            throw StoreError(path: folder(record.cell).appendingPathComponent("metrics.json").path, problem: "cannot encode the record (\(error))")
        }
        try write(data, cell: record.cell, file: "metrics.json")
    }

    /// Rebuilds `summary.jsonl` and `summary.csv` from the cell folders (so shards and resumed
    /// runs merge cleanly): one row per finished cell of the latest expansion (every finished
    /// cell in folders without a manifest) with its axes, metrics and ledger.
    @discardableResult
    public func rebuildSummary() throws -> [[String: Any]] {
        var records = try finishedRecords()
        if let manifest = try manifest() {
            let current = Set(manifest.cells)
            records = records.filter { current.contains($0.cell) }
        }
        let rows = records.map(Self.summaryRow)
        var jsonl = Data()
        for row in rows {
            jsonl.append(try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]))
            jsonl.append(0x0A)
        }
        try writeRoot(jsonl, "summary.jsonl")
        try writeRoot(Data(Self.csv(rows).utf8), "summary.csv")
        return rows
    }

    /// The rows as CSV: a header of every column (cell, index, axes, metrics, scores, ledger), one
    /// line per row, cells quoted when they hold a comma, a quote or a line break.
    static func csv(_ rows: [[String: Any]]) -> String {
        let columns = Array(Set(rows.flatMap(\.keys))).sorted { Self.columnOrder($0, $1) }
        var csv = columns.map { csvCell($0) }.joined(separator: ",") + "\n"
        for row in rows {
            csv += columns.map { Self.csvCell(row[$0]) }.joined(separator: ",") + "\n"
        }
        return csv
    }

    func writeRoot(_ data: Data, _ name: String) throws {
        do { try writeFileAtomically(data, to: root.appendingPathComponent(name)) } catch {
            throw StoreError(path: root.appendingPathComponent(name).path, problem: error.reason)
        }
    }

    /// A flat row: cell, index, seed, axes (prefixed `axis.`), metrics, score statistics (`score.`),
    /// ledger (`ledger.`), algorithm, budget, its name, the no-search flag and each interval
    /// (`<column>.ci_low`, `<column>.ci_high`). Non-finite numbers
    /// are written as strings ("nan"), which JSON cannot hold as numbers.
    static func summaryRow(_ record: CellResult) -> [String: Any] {
        func number(_ v: Double) -> Any { v.isFinite ? v : "\(v)" }
        var row: [String: Any] = ["cell": record.cell, "index": record.index, "algorithm": record.algorithm, "budget": record.budget,
                                  "budget_name": record.budgetName, "no_search": record.noSearch]
        for (k, v) in record.axes { row["axis.\(k)"] = v }
        if let seed = record.seed { row["seed"] = seed }
        for (name, path) in CellMetrics.named { if let v = record.metrics[keyPath: path] { row[name] = number(v) } }
        for (name, v) in record.metrics.heldOut { row[CellMetrics.prefix + name] = number(v) }
        let s = record.verifierScores
        for (name, v) in [("mean", s.mean), ("std", s.std), ("min", s.min), ("max", s.max), ("search_mean", s.searchMean)] {
            if let v { row["score.\(name)"] = number(v) }
        }
        let l = record.ledger
        let ledger: [(String, Any)] = [("samples", l.samples), ("search_nfe", l.searchNFE), ("final_nfe", l.finalNFE), ("total_nfe", l.totalNFE),
                                       ("nfe_per_sample", number(l.nfePerSample)), ("verifier_passes", l.verifierPasses),
                                       ("search_gflops", number(l.searchGFLOPs)), ("final_gflops", number(l.finalGFLOPs)),
                                       ("verifier_gflops", number(l.verifierGFLOPs)), ("gflops_per_sample", number(l.gflopsPerSample)),
                                       ("seconds", number(l.seconds)), ("seconds_per_sample", number(l.seconds / Double(max(l.samples, 1)))),
                                       ("nfe_equivalent_per_sample", number(l.nfeEquivalentPerSample ?? l.nfePerSample))]
        for (k, v) in ledger { row["ledger.\(k)"] = v }
        assert(Self.wallClockColumns.allSatisfy { row[$0] != nil }, "wallClockColumns names summary columns")
        if let backward = l.backwardPasses { row["ledger.backward_passes"] = backward }
        for (column, interval) in record.intervals {
            row["\(column).ci_low"] = number(interval.low)
            row["\(column).ci_high"] = number(interval.high)
        }
        return row
    }

    static func columnOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ s: String) -> Int {
            if s == "cell" { return 0 }
            if s == "index" || s == "seed" { return 1 }
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
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

/// A results file or folder that cannot be written or read.
public struct StoreError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}
