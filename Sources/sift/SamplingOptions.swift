import ArgumentParser
import SiftModels
import SiftSearch

/// Options shared by the commands that sample from a zoo model with search settings
/// (`sift search`, `sift correlate`).
struct SamplingOptions: ParsableArguments {
    @Option(help: "Zoo name (sit-s, sit-b, sit-l) or path to a weights file.") var model: String
    @Option(name: .customLong("per-class"), help: "Samples per class.") var perClass = 10
    @Option(help: "Classes to sample (comma list); default all.") var classes: String?
    @Option(name: .customLong("search-steps"), help: "Solver steps of each candidate during search.") var searchSteps = 10
    @Option(name: .customLong("final-steps"), help: "Solver steps of the final generation.") var finalSteps = 25
    @Option(help: "euler, heun or sde (default: heun; sde for the smc, beam and tree searches).") var solver: String?
    @Option(help: "Classifier-free guidance scale (1 = none).") var guidance: Float = 1
    @Option(help: "Seed of every keyed noise.") var seed: UInt64 = 0
    @Option(name: .customLong("batch-size"), help: "Candidates per solver call.") var batchSize = 256

    func validate() throws {
        guard Solver(rawValue: solverName) != nil else {
            throw ValidationError("--solver must be one of \(Solver.allCases.map(\.rawValue).joined(separator: ", ")), got '\(solverName)'")
        }
        guard perClass >= 1, searchSteps >= 1, finalSteps >= 1, batchSize >= 1 else {
            throw ValidationError("--per-class, --search-steps, --final-steps and --batch-size must be positive")
        }
        if let problem = Denoiser.guidanceProblem(Double(guidance)) { throw ValidationError("--guidance: \(problem)") }
    }

    /// `--solver`, or Heun when it is not given.
    var solverName: String { solver ?? "heun" }

    /// The settings of a search by `algorithm`: its sampler is `--solver`, else the algorithm's choice.
    func settings(for algorithm: (any SearchAlgorithm.Type)?) -> SamplingSettings {
        var s = settings
        if let algorithm { s.solver = algorithm.solver(named: solver.flatMap(Solver.init(rawValue:))) }
        return s
    }

    var settings: SamplingSettings {
        var settings = SamplingSettings()
        settings.solver = Solver(rawValue: solverName)!
        settings.searchSteps = searchSteps
        settings.finalSteps = finalSteps
        settings.guidance = guidance
        settings.seed = seed
        return settings
    }

    /// The task: `--classes` (checked against the model) × `--per-class`.
    func task(for sit: SiT) throws -> SearchTask {
        let classList = try classes.map { try integers($0, option: "--classes") } ?? Array(0..<sit.config.classes)
        if let bad = classList.first(where: { !(0..<sit.config.classes).contains($0) }) {
            throw ValidationError("--classes: \(bad) is not a class of \(model) (0...\(sit.config.classes - 1))")
        }
        return SearchTask(classes: classList, perClass: perClass)
    }
}

/// A comma list of integers from option `option`.
func integers(_ list: String, option: String) throws -> [Int] {
    try list.split(separator: ",").map { part in
        guard let v = Int(part.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("\(option): '\(part)' is not an integer") }
        return v
    }
}
