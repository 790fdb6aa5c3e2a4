import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

/// Bit-level pins of every algorithm's outputs on the tiny model: images, t = 0.6 predictions,
/// chosen keys, search and final scores, traces and ledgers (wall seconds excepted). The digests
/// were recorded before the algorithm contract was introduced; a refactor must not move them.
@Suite(.serialized) struct GoldenSearchTests {
    static let expected: [String: String] = [
        "random": "a84d313f6784cedf",
        "random-equal-steps-mean-rank": "eaa602a1cede792f",
        "random-sde-guidance-early": "15a16a0dd1b5570d",
        "zero-order": "b17bee0aff54fda8",
        "zero-order-restart-sde": "73331799fa524b5b",
        "paths": "21f6f848ea59036d",
        "paths-guidance-small-batches": "847fa0dc631a126f",
    ]

    /// Outcomes of case `name`.
    static func outcomes(_ name: String) throws -> [SearchOutcome] {
        let task = SearchTestSupport.task
        switch name {
        case "random":
            let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 2, final: 3))
            return try GoldenRun.random(candidates: [1, 2, 4], task: task, context: context)
        case "random-equal-steps-mean-rank":
            let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 3, final: 3), verifier: "mean-rank")
            return try GoldenRun.random(candidates: [1, 3], task: task, context: context)
        case "random-sde-guidance-early":
            let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 5, final: 7, guidance: 1.5, solver: .sde))
            context.recordEarlyPrediction = true
            return try GoldenRun.random(candidates: [1, 3], task: task, context: context)
        case "zero-order":
            let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 2, final: 3))
            return try GoldenRun.zeroOrder(neighbours: 2, iterations: [0, 1, 3], tau: 0.9, restart: false, task: task, context: context)
        case "zero-order-restart-sde":
            let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 5, final: 5, solver: .sde))
            context.recordEarlyPrediction = true
            return try GoldenRun.zeroOrder(neighbours: 2, iterations: [1, 4], tau: 0.8, restart: true, task: task, context: context)
        case "paths":
            let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 4, final: 4))
            return try GoldenRun.paths(paths: 2, widths: [1, 2], sigma: 0.5, forward: 0.1, backward: 0.25, length: 2, task: task, context: context)
        case "paths-guidance-small-batches":
            let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 3, final: 3, guidance: 2), batchSize: 5)
            return try GoldenRun.paths(paths: 3, widths: [2], sigma: 0.4, forward: 0.15, backward: 0.2, length: 1, task: task, context: context)
        default: preconditionFailure("unknown case \(name)")
        }
    }

    static let names = ["random", "random-equal-steps-mean-rank", "random-sde-guidance-early", "zero-order", "zero-order-restart-sde",
                        "paths", "paths-guidance-small-batches"]

    @Test(arguments: names)
    func outputsAreBitIdenticalToTheRecordedOnes(name: String) throws {
        let digest = Self.digest(try Self.outcomes(name))
        print("golden \(name): \(digest)")
        #expect(Self.expected[name] == digest, "case \(name)")
    }

    /// FNV-1a over every output bit that a search must reproduce.
    static func digest(_ outcomes: [SearchOutcome]) -> String {
        var text = ""
        func floats(_ values: [Float]) { text += values.map { String($0.bitPattern, radix: 16) }.joined(separator: ",") + ";" }
        func doubles(_ values: [Double]) { text += values.map { String($0.bitPattern, radix: 16) }.joined(separator: ",") + ";" }
        for o in outcomes {
            text += "\(o.algorithm)|\(o.budgetName)|\(o.budget)|\(o.images.shape)|"
            floats(o.images.data)
            floats(o.early?.data ?? [])
            for c in o.chosen { text += "\(c.key.classIndex),\(c.key.sample),\(c.key.candidate),\(c.searchScore.map { String($0.bitPattern, radix: 16) } ?? "-");" }
            doubles(o.trace)
            doubles(o.finalScores ?? [])
            let l = o.ledger
            text += "\(l.samples),\(l.searchPasses),\(l.finalPasses),\(l.verifierPasses),\(l.searchFLOPs),\(l.finalFLOPs),\(l.verifierFLOPs)\n"
        }
        return GoldenRun.hash(text)
    }
}
