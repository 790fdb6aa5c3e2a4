import Foundation
import Testing
@testable import SiftExperiments

/// Every committed result must stay reachable: each paper experiment file still expands to the
/// cell ids whose folders are committed under `Results/<name>/`, and the quickstart keeps the ids
/// of the README's table.
@Suite struct CommittedCellIDTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static var paperFiles: [String] {
        let folder = root.appendingPathComponent("Experiments/paper")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    static func cells(_ relativePath: String) throws -> [ExperimentCell] {
        let url = root.appendingPathComponent(relativePath)
        return try ExperimentExpansion.cells(file: relativePath, text: try String(contentsOf: url, encoding: .utf8), overrides: [])
    }

    @Test func thereArePaperFiles() { #expect(Self.paperFiles.count >= 12) }

    @Test(arguments: paperFiles)
    func everyPaperCellIsCommittedAndFinished(file: String) throws {
        let cells = try Self.cells("Experiments/paper/\(file)")
        #expect(!cells.isEmpty)
        for cell in cells {
            let metrics = Self.root.appendingPathComponent("Results/\(cell.config.name)/\(cell.id)/metrics.json")
            #expect(FileManager.default.fileExists(atPath: metrics.path), "\(file): cell \(cell.index) \(cell.id) has no committed result")
        }
    }

    @Test func quickstartKeepsItsIDs() throws {
        #expect(try Self.cells("Experiments/quickstart.yaml").map(\.id) == ["8cce702280047717", "d9dafc55cc81d1d2", "62622ef81d899663"])
    }
}
