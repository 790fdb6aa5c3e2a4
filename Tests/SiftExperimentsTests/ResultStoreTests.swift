import Foundation
import Testing
import SiftSearch
@testable import SiftExperiments

/// The typed cell record (`metrics.json`), summary rebuilding from the cell folders and CSV quoting.
@Suite struct ResultStoreTests {
    static func record(_ cell: String, index: Int, verifier: String, budget: Int, fid: Double = 200, seed: UInt64? = nil) -> CellResult {
        var metrics = CellMetrics()
        metrics.fid = fid
        metrics.isMean = 5.5
        metrics.heldOut = ["clf-vit": 7.25]
        let ledger = Ledger(samples: 4)
        let outcome = SearchOutcome(algorithm: ZeroOrderSearch.kind, budgetName: "iterations", budget: budget, noSearch: budget == 0,
                                    images: .init(zeros: [4, 1, 28, 28]), early: nil, chosen: [], trace: [1, 2], ledger: ledger, finalScores: nil)
        return CellResult(cell: cell, index: index, name: "store", axes: ["verifier": verifier, "algorithm.iterations": "\(budget)"], outcome: outcome,
                          metrics: metrics, verifierScores: ScoreStatistics(mean: 1.5, std: 0.5, min: 1, max: 2, searchMean: 1.6, trace: [1, 2]),
                          seed: seed, wallSeconds: 3, provenance: ["host": "test"])
    }

    static func store() throws -> ResultStore {
        let store = ResultStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sift-store-\(UUID().uuidString)/store"))
        try store.prepare()
        return store
    }

    @Test func recordsRoundTripWithNonFiniteNumbers() throws {
        var r = Self.record("a", index: 0, verifier: "clf-vit", budget: 2)
        r.metrics.classFID = .nan
        let data = try CellResult.encoder.encode(r)
        #expect(String(decoding: data, as: UTF8.self).contains(#""class_fid" : "nan""#))
        let back = try CellResult.decoder.decode(CellResult.self, from: data)
        #expect(back.metrics.classFID?.isNaN == true)
        r.metrics.classFID = nil
        var b = back
        b.metrics.classFID = nil
        #expect(b == r)
        #expect(String(decoding: data, as: UTF8.self).contains(#""held_out.clf-vit" : 7.25"#))
    }

    /// Records written before `budget_name` and `no_search` existed get them from the algorithm's rule.
    @Test func legacyRecordsGetTheirBudgetNameAndBaselineFlag() throws {
        for (budget, noSearch) in [(0, true), (1, false)] {
            var object = try JSONSerialization.jsonObject(with: try CellResult.encoder.encode(Self.record("a", index: 0, verifier: "v", budget: budget))) as! [String: Any]
            object["budget_name"] = nil
            object["no_search"] = nil
            let legacy = try CellResult.decoder.decode(CellResult.self, from: try JSONSerialization.data(withJSONObject: object))
            #expect(legacy.budgetName == "iterations" && legacy.noSearch == noSearch)
            #expect(legacy.seed == nil && ResultStore.summaryRow(legacy)["seed"] == nil)
        }
    }

    @Test func summaryIsRebuiltFromFinishedCellsOnlyInIndexOrder() throws {
        let store = try Self.store()
        try store.write(Self.record("bbb", index: 1, verifier: "mean-rank(clf-vit,clf-mlp)", budget: 2, fid: 150, seed: 7))
        try store.write(Self.record("aaa", index: 0, verifier: #"say "hi""#, budget: 0, seed: 0))
        // A half-written cell (no metrics.json) is not in the summary.
        try store.write(Data("x".utf8), cell: "ccc", file: "samples.png")
        let rows = try store.rebuildSummary()
        #expect(rows.map { $0["cell"] as? String } == ["aaa", "bbb"])
        #expect(rows[0]["no_search"] as? Bool == true && rows[1]["no_search"] as? Bool == false)
        #expect(rows[1]["budget_name"] as? String == "iterations" && rows[1]["fid"] as? Double == 150 && rows[1]["held_out.clf-vit"] as? Double == 7.25)
        #expect(rows[1]["ledger.samples"] as? Int == 4 && rows[1]["score.search_mean"] as? Double == 1.6)
        let jsonl = try String(contentsOf: store.root.appendingPathComponent("summary.jsonl"), encoding: .utf8)
        #expect(jsonl.split(separator: "\n").count == 2)
        let csv = try String(contentsOf: store.root.appendingPathComponent("summary.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(csv.count == 3)
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(5)) == ["cell", "index", "seed", "axis.algorithm.iterations", "axis.verifier"])
        #expect(rows.map { $0["seed"] as? UInt64 } == [0, 7])
        #expect(header.last!.hasPrefix("ledger.") && header.contains("score.mean") && header.contains("held_out.clf-vit"))
        // Commas and quotes are quoted (RFC 4180), so every line has as many cells as the header.
        #expect(csv[1].contains(#","say ""hi""","#) && csv[2].contains(#","mean-rank(clf-vit,clf-mlp)","#))
        #expect(ResultStore.csvCell("a\r\nb") == "\"a\r\nb\"" && ResultStore.csvCell(nil) == "" && ResultStore.csvCell(3) == "3")
    }

    @Test func aBrokenRecordIsAnErrorNamingTheFile() throws {
        let store = try Self.store()
        try store.write(Data("{\"cell\": 1}".utf8), cell: "bad", file: "metrics.json")
        do { _ = try store.rebuildSummary(); Issue.record("broken record accepted") } catch let error as StoreError {
            #expect(error.path.hasSuffix("bad/metrics.json") && error.problem.contains("not a valid metrics file"))
        }
    }
}
