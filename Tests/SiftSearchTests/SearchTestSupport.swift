import SiftModels
import SiftNN
import SiftTensor
@testable import SiftSearch

/// A tiny SiT with every weight nudged off its zero initialisation, so its velocity is non-zero
/// and candidates differ — fast enough for exhaustive search tests.
enum SearchTestSupport {
    nonisolated(unsafe) static let model: SiT = {
        var config = SiTConfig(name: "tiny", depth: 2, width: 32, heads: 2)
        config.patch = 4
        let model = SiT(config, seed: 1)
        for (i, p) in model.namedParameters.enumerated() {
            let noise = Philox(seed: 77).stream(UInt64(i)).normals(p.tensor.count)
            for j in 0..<p.tensor.count { p.tensor.data[j] += 0.05 * noise[j] }
        }
        return model
    }()

    static func settings(search: Int = 2, final: Int = 3, guidance: Float = 1, solver: Solver = .heun) -> SamplingSettings {
        var s = SamplingSettings()
        s.solver = solver
        s.searchSteps = search
        s.finalSteps = final
        s.guidance = guidance
        s.seed = 5
        return s
    }

    static func context(_ settings: SamplingSettings, verifier: String = "clf-mlp", batchSize: Int = 256) throws -> SearchContext {
        let net = try VerifierTestSupport.classifier(verifier == "clf-vit" ? "clf-vit" : "clf-mlp")
        let context = SearchContext(model: model, settings: settings) {
            switch verifier {
            case "mean-rank": return try EnsembleVerifier(members: [ClassLogitVerifier(name: "clf-mlp", classifier: net),
                                                                    InceptionOracleVerifier(evaluationNetwork: net)], rule: .meanRank)
            default: return ClassLogitVerifier(name: verifier, classifier: net)
            }
        }
        context.batchSize = batchSize
        return context
    }

    static let task = SearchTask(classes: [1, 7], perClass: 3)
}
