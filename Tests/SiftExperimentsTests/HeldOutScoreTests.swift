import Foundation
import Testing
@testable import SiftExperiments

/// Held-out verifier scores of each cell's final samples, on the tiny model.
@Suite(.serialized) struct HeldOutScoreTests {
    static let yaml = """
    name: held
    model: \(TinyExperiment.folder.appendingPathComponent("tiny.safetensors").path)
    sampler: {search_steps: 2, final_steps: 3}
    samples: {per_class: 2, classes: [0, 3, 7]}
    algorithm: {kind: random}
    held_out: [clf-vit, self-similarity]
    grid:
      verifier: [clf-vit, self-similarity]
      algorithm.candidates: [1, 3]
    """

    /// Each cell's metrics.json, by (verifier, candidates).
    func run(_ overrides: [String], generated: UnsafeMutablePointer<Int>? = nil) throws -> [String: [String: Any]] {
        let url = TinyExperiment.results("held-out")
        let cells = try ExperimentExpansion.cells(file: "held.yaml", text: Self.yaml, overrides: overrides)
        let store = ResultStore(root: url.appendingPathComponent("held"))
        let runner = ExperimentRunner(cells: cells, store: store, options: .init(), progress: ProgressReporter(quiet: true))
        _ = try runner.run()
        generated?.pointee = runner.generatedCandidates
        var byCell = [String: [String: Any]]()
        for cell in cells {
            let data = try Data(contentsOf: store.folder(cell.id).appendingPathComponent("metrics.json"))
            byCell["\(cell.config.verifier)/\(cell.config.algorithm.budget)"] = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
        return byCell
    }

    func heldOut(_ record: [String: Any]?, _ name: String) -> Double {
        ((record?["metrics"] as? [String: Any])?["held_out.\(name)"] as? Double) ?? .nan
    }

    /// Regenerated finals (search steps ≠ final steps) and reused winners (equal steps).
    @Test(arguments: [[String](), ["sampler.search_steps=3"]])
    func heldOutScoresMatchTheSearchVerifiersOwnFinalScores(overrides: [String]) throws {
        let cells = try run(overrides)
        #expect(cells.count == 4)
        for (key, record) in cells {
            let verifier = String(key.split(separator: "/")[0])
            let own = try #require((record["verifier_scores"] as? [String: Any])?["mean"] as? Double)
            // The held-out score of the search verifier is the fresh score of the final samples.
            #expect(abs(heldOut(record, verifier) - own) < 1e-9, "\(key)")
            for name in ["clf-vit", "self-similarity"] { #expect(heldOut(record, name).isFinite, "\(key) \(name)") }
        }
        // N = 1 is the same plain sample whichever verifier: same held-out scores, incl. the
        // self-similarity recorded for a clf-vit cell (which does not need t = 0.6 itself).
        for name in ["clf-vit", "self-similarity"] {
            #expect(heldOut(cells["clf-vit/1"], name) == heldOut(cells["self-similarity/1"], name))
        }
        // Searching with a verifier raises its own score over no search.
        #expect(heldOut(cells["clf-vit/3"], "clf-vit") > heldOut(cells["clf-vit/1"], "clf-vit"))
    }
}

extension HeldOutScoreTests {
    /// Equal search and final steps, search verifiers that do not need t = 0.6 predictions, a
    /// held-out self-similarity that does: the shared pool is generated once, with the
    /// predictions, and serves both verifiers' finals (6 slots × 3 candidates = 18 generations).
    @Test func sharedPoolCarriesPredictionsForHeldOutScores() throws {
        var generated = 0
        let cells = try run(["sampler.search_steps=3", "verifier=clf-vit,clf-mlp"], generated: &generated)
        #expect(generated == 18)
        #expect(cells.count == 4 && cells.values.allSatisfy { heldOut($0, "self-similarity").isFinite })
        #expect(heldOut(cells["clf-vit/1"], "self-similarity") == heldOut(cells["clf-mlp/1"], "self-similarity"))
    }
}
