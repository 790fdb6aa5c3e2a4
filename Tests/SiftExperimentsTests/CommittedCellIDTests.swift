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

    /// A bare `self-similarity` is identified by the network it reads now (ssl-vit), so cells run
    /// when it read clf-vit are not taken for its results; other specs keep their ids.
    @Test func bareSelfSimilarityNamesItsNetworkInTheID() throws {
        func id(_ verifier: String, heldOut: String? = nil) throws -> String {
            let text = "name: p\nmodel: sit-s\nverifier: '\(verifier)'\n" + (heldOut.map { "held_out: [\($0)]\n" } ?? "")
            return try ExperimentExpansion.cells(file: "p.yaml", text: text, overrides: [])[0].id
        }
        #expect(try id("self-similarity") == id("self-similarity:ssl-vit"))
        #expect(try id("self-similarity") != id("self-similarity:clf-vit"))
        #expect(try id("zscore(clf-vit:2,self-similarity:1)") == id("zscore(clf-vit:2,self-similarity:ssl-vit:1)"))
        #expect(try id("mean-rank(clf-mlp,self-similarity)") == id("mean-rank(clf-mlp,self-similarity:ssl-vit)"))
        #expect(try id("clf-vit", heldOut: "self-similarity") == id("clf-vit", heldOut: "self-similarity:ssl-vit"))
    }

    /// Ids of configurations the committed files do not cover (numbers that print as integers,
    /// long decimals, booleans, guidance, SDE, ensembles, held-out verifiers), recorded before the
    /// algorithm contract.
    @Test func idsOfOtherConfigurationsArePinned() throws {
        let files: [(String, [String])] = [
            ("name: ids\nmodel: sit-s\nverifier: clf-mlp\nalgorithm: {kind: zero-order}\ngrid:\n  algorithm.tau: [1, 0.5, 0.123456789]\n  algorithm.restart: [true, false]\n",
             ["720a534ec29f983c", "059e5319912d7151", "d2a76319a078906e", "6c75ba61507d6147", "7409ce91f22a33ea", "771a981de89d389b"]),
            // 1.0 is the same number as 1 (a grid listing both is refused as a repeat).
            ("name: ids\nmodel: sit-s\nverifier: clf-mlp\nalgorithm: {kind: zero-order, tau: 1.0, restart: true}\n", ["720a534ec29f983c"]),
            ("name: ids2\nmodel: sit-s\nverifier: clf-mlp\nsampler: {guidance: 1.25}\nalgorithm: {kind: paths, sigma: 0, forward: 0.3, backward: 0.7, length: 1, paths: 3}\ngrid:\n  algorithm.width: [1, 3]\n",
             ["165593a29ecf60ec", "7839a6b879bdce66"]),
            ("name: ids3\nmodel: sit-s\nverifier: 'mean-rank(clf-vit,clf-mlp)'\nheld_out: [is-oracle, clf-vit]\nsampler: {solver: sde, search_steps: 7}\nalgorithm: {kind: random, candidates: 8}\n",
             ["bf019670ff7a5d50"]),
        ]
        for (text, ids) in files {
            #expect(try ExperimentExpansion.cells(file: "pinned.yaml", text: text, overrides: []).map(\.id) == ids)
        }
    }
}

/// Every committed fuzz input (seeds and the crashes fuzzing found, `Tests/Fuzz/<target>/corpus`)
/// replays through its loader without a crash (the `sift-fuzz` replayer, built without libFuzzer).
@Suite struct FuzzCorpusReplayTests {
    @Test(arguments: ["safetensors", "idx", "npy", "png", "experiment", "summary", "csv"])
    func corpusReplaysWithoutACrash(target: String) throws {
        let corpus = CommittedCellIDTests.root.appendingPathComponent("Tests/Fuzz/\(target)/corpus")
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        #expect(!files.isEmpty)
        let p = Process()
        p.executableURL = TinyExperiment.sift.deletingLastPathComponent().appendingPathComponent("sift-fuzz")
        p.arguments = [target, corpus.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && text == "\(target): \(files.count) inputs, no crash\n", "\(p.terminationStatus) \(text)")
    }
}
