import Foundation
import Testing
@testable import SiftExperiments

/// `Experiments/README.md` documents every algorithm key with its default, generated from the
/// registry: the README's `algorithm.*` rows must be exactly ``AlgorithmDocs/markdownRows``
/// (`SIFT_UPDATE_DOCS=1` rewrites them).
@Suite struct AlgorithmDocsTests {
    static let readme = CommittedCellIDTests.root.appendingPathComponent("Experiments/README.md")

    @Test func readmeAlgorithmKeysAreTheRegistrys() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let rows = lines.indices.filter { lines[$0].hasPrefix("| `algorithm.") }
        let block = try #require(rows.first).rows(through: try #require(rows.last))
        #expect(rows == Array(block), "the algorithm rows must be one block")
        let expected = AlgorithmDocs.markdownRows
        if ProcessInfo.processInfo.environment["SIFT_UPDATE_DOCS"] == "1" {
            lines.replaceSubrange(block, with: expected)
            try lines.joined(separator: "\n").write(to: Self.readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(Array(lines[block]) == expected, "Experiments/README.md should hold:\n\(expected.joined(separator: "\n"))")
    }
}

extension Int {
    fileprivate func rows(through last: Int) -> ClosedRange<Int> { self...last }
}
