import Foundation
import SiftMetrics
import SiftSearch
import SiftUtilities

/// A finished cell's record, written as `metrics.json` (last, so its presence marks the cell
/// finished) and read by the result store, `sift run`'s table and the summary.
public struct CellResult: Codable, Equatable, Sendable {
    public var cell: String
    public var index: Int
    public var name: String
    /// Dotted key → value text of every grid, zip and sweep axis.
    public var axes: [String: String]
    /// The algorithm's kind, the value and name of its budget axis, and whether the cell is the
    /// algorithm's no-search baseline (written by the algorithm; records from before these fields
    /// existed get them from the registered algorithm's rule when read).
    public var algorithm: String
    public var budget: Int
    public var budgetName: String
    public var noSearch: Bool
    public var metrics: CellMetrics
    public var verifierScores: ScoreStatistics
    /// 95 % intervals by summary column (`fid`, `is_mean`, `score.mean`, `held_out.<name>`, …);
    /// empty in records from before intervals existed (`sift evaluate` adds them).
    public var intervals: [String: Interval]
    /// How the intervals were made (nil without intervals).
    public var bootstrap: BootstrapRecord?
    public var ledger: LedgerRecord
    /// The experiment seed the cell's noises were drawn from (cells of one seed share their slots'
    /// noises; cells of different seeds are replicates). Nil only in records written before it was kept.
    public var seed: UInt64?
    /// FNV-1a hash of the model's weights file when the cell ran (nil in records from before it
    /// was kept): a cell whose weights changed since is stale and is recomputed.
    public var weightsHash: String?
    public var wallSeconds: Double
    public var provenance: [String: String]

    enum CodingKeys: String, CodingKey {
        case cell, index, name, axes, algorithm, budget, metrics, ledger, provenance, intervals, bootstrap, seed
        case weightsHash = "weights_hash"
        case budgetName = "budget_name", noSearch = "no_search", verifierScores = "verifier_scores", wallSeconds = "wall_seconds"
    }

    public init(cell: String, index: Int, name: String, axes: [String: String], outcome: SearchOutcome, metrics: CellMetrics,
                verifierScores: ScoreStatistics, seed: UInt64? = nil, wallSeconds: Double, provenance: [String: String]) {
        self.cell = cell
        self.index = index
        self.name = name
        self.axes = axes
        algorithm = outcome.algorithm
        budget = outcome.budget
        budgetName = outcome.budgetName
        noSearch = outcome.noSearch
        self.metrics = metrics
        self.verifierScores = verifierScores
        intervals = [:]
        bootstrap = nil
        ledger = outcome.ledger.record
        self.seed = seed
        self.wallSeconds = wallSeconds
        self.provenance = provenance
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cell = try c.decode(String.self, forKey: .cell)
        index = try c.decode(Int.self, forKey: .index)
        name = try c.decode(String.self, forKey: .name)
        axes = try c.decode([String: String].self, forKey: .axes)
        algorithm = try c.decode(String.self, forKey: .algorithm)
        budget = try c.decode(Int.self, forKey: .budget)
        metrics = try c.decode(CellMetrics.self, forKey: .metrics)
        verifierScores = try c.decode(ScoreStatistics.self, forKey: .verifierScores)
        intervals = try c.decodeIfPresent([String: Interval].self, forKey: .intervals) ?? [:]
        bootstrap = try c.decodeIfPresent(BootstrapRecord.self, forKey: .bootstrap)
        ledger = try c.decode(LedgerRecord.self, forKey: .ledger)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        weightsHash = try c.decodeIfPresent(String.self, forKey: .weightsHash)
        wallSeconds = try c.decode(Double.self, forKey: .wallSeconds)
        provenance = try c.decode([String: String].self, forKey: .provenance)
        // Records written before the budget name and baseline flag were recorded.
        var legacy = AlgorithmConfig.defaults(kind: algorithm)
        legacy?.budget = budget
        guard let name = try c.decodeIfPresent(String.self, forKey: .budgetName) ?? legacy?.budgetKey,
              let noSearch = try c.decodeIfPresent(Bool.self, forKey: .noSearch) ?? legacy?.isNoSearch else {
            throw DecodingError.dataCorruptedError(forKey: .budgetName, in: c, debugDescription: "no budget_name for unknown algorithm '\(algorithm)'")
        }
        budgetName = name
        self.noSearch = noSearch
    }

    /// Encoders and decoders of the record: sorted keys, non-finite numbers as strings.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// The settings behind a record's intervals.
public struct BootstrapRecord: Codable, Equatable, Sendable {
    public var method: String
    public var replicates: Int
    public var seed: UInt64
    public var level: Double
    /// Wall seconds the intervals took.
    public var seconds: Double

    public init(_ options: BootstrapOptions, seconds: Double) {
        method = options.method
        replicates = options.replicates
        seed = options.seed
        level = options.level
        self.seconds = seconds
    }
}

/// The sample-quality metrics a cell asked for, and the held-out verifiers' mean scores
/// (`held_out.<name>` keys). One name per metric: `class_fid` is the mean per-class FID.
public struct CellMetrics: Codable, Equatable, Sendable {
    public var fid: Double?
    public var isMean: Double?
    public var isStd: Double?
    public var kidMean: Double?
    public var kidStd: Double?
    public var precision: Double?
    public var recall: Double?
    public var classFID: Double?
    /// FID∞ (sets of 500 samples or more; no interval).
    public var fidInfinity: Double?
    public var heldOut: [String: Double] = [:]

    public init() {}

    static let prefix = "held_out."

    struct Key: CodingKey {
        let stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    static var named: [(String, WritableKeyPath<CellMetrics, Double?>)] { [
        ("fid", \.fid), ("is_mean", \.isMean), ("is_std", \.isStd), ("kid_mean", \.kidMean), ("kid_std", \.kidStd),
        ("precision", \.precision), ("recall", \.recall), ("class_fid", \.classFID), ("fid_inf", \.fidInfinity),
    ] }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        for (name, path) in Self.named { self[keyPath: path] = try c.decodeIfPresent(Double.self, forKey: Key(name)) }
        for key in c.allKeys where key.stringValue.hasPrefix(Self.prefix) {
            heldOut[String(key.stringValue.dropFirst(Self.prefix.count))] = try c.decode(Double.self, forKey: key)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (name, path) in Self.named { try c.encodeIfPresent(self[keyPath: path], forKey: Key(name)) }
        for (name, value) in heldOut { try c.encode(value, forKey: Key(Self.prefix + name)) }
    }
}

/// Statistics of the verifier's scores of a cell's final samples (fresh scores when the verifier's
/// scores are absolute, else the scores at selection) and the search trace.
public struct ScoreStatistics: Codable, Equatable, Sendable {
    public var mean: Double?
    public var std: Double?
    public var min: Double?
    public var max: Double?
    /// Mean score of the winners when they were chosen.
    public var searchMean: Double?
    /// Mean over slots of the best score so far after each iteration.
    public var trace: [Double]

    enum CodingKeys: String, CodingKey {
        case mean, std, min, max, trace
        case searchMean = "search_mean"
    }
}
