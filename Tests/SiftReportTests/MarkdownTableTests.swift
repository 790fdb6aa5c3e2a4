import Testing
@testable import SiftReport
import SiftUtilities

/// `sift report --table` (one row per cell) and `--table --seed-means` (seeds merged).
@Suite struct MarkdownTableTests {
    static func row(_ candidates: Int, seed: Int, fid: Double, low: Double, high: Double) -> [String: Any] {
        ["axis.algorithm.candidates": candidates, "axis.seed": seed, "ledger.nfe_per_sample": 49.0 * Double(candidates),
         "fid": fid, "fid.ci_low": low, "fid.ci_high": high]
    }

    @Test func everyCellIsOneRowWithItsBootstrapInterval() {
        let text = MarkdownTable.render([Self.row(1, seed: 0, fid: 276.7, low: 262.9, high: 290.5)], columns: ["fid", "recall"])
        #expect(text.contains("| 1 | 0 | 49 | 276.7 [262.9, 290.5] | — |"), "\(text)")
    }

    @Test func seedsMergeIntoTheMeanWithItsTInterval() throws {
        let rows = [Self.row(1, seed: 0, fid: 270, low: 0, high: 0), Self.row(2, seed: 0, fid: 250, low: 240, high: 260),
                    Self.row(1, seed: 1, fid: 280, low: 0, high: 0), Self.row(1, seed: 2, fid: 290, low: 0, high: 0)]
        let text = MarkdownTable.renderSeedMeans(rows, columns: ["fid"])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "| algorithm.candidates | seeds | NFE/sample | fid |")
        // Three seeds of N = 1: mean 280, half-width t(0.975, 2)·10/√3.
        let t = try #require(StudentT.meanInterval([270, 280, 290]))
        #expect(abs(t.high - 280 - 4.302_652_7 * 10 / 3.0.squareRoot()) < 0.01)
        #expect(lines[2] == String(format: "| 1 | 3 | 49 | 280.0 [%.1f, %.1f] |", t.low, t.high), "\(text)")
        // A lone seed keeps its own bootstrap interval.
        #expect(lines[3] == "| 2 | 1 | 98 | 250.0 [240.0, 260.0] |", "\(text)")
        #expect(lines.count == 4)
    }
}
