import Foundation
import SiftModels
import SiftTensor

/// `smc`: Feynman–Kac steering / sequential Monte Carlo (Singhal et al. 2025). k particles per
/// slot follow the SDE sampler with `search_steps` steps; every `resample_every` steps inside
/// [t_start, t_end] each particle's data prediction x̂₁ (read from the velocity of the segment's
/// last step: no extra NFE) is scored by the verifier, weighted by exp(λ·potential), and the
/// particles are resampled (multinomial or systematic; only when the effective sample size falls
/// below `ess_threshold`·k). At data, the best-scoring particle is the sample.
///
/// Copies made by resampling keep the index of the position they land in, so their later SDE
/// noise (keyed by slot, particle and step) differs and they diverge. With an ODE sampler copies
/// would stay identical: refused. Every pass is search cost (the winner is its own final sample).
public struct SMCSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        public var particles = 4
        public var lambda = 10.0
        public var potential = Potential.max
        public var resampleEvery = 2
        public var tStart = 0.0
        public var tEnd = 1.0
        public var essThreshold = 1.0
        public var resampling = Resampling.systematic
        public init() {}

        /// How the particles' verifier rewards r₁…r_t become the log-weight at a resampling step.
        public enum Potential: String, Codable, CaseIterable, Sendable {
            /// λ·max_s r_s over the particle's history.
            case max
            /// λ·(r_t − r_{t−1}) (r₀ = 0): the ratio of consecutive potentials.
            case diff
            /// λ·Σ_s r_s.
            case sum
            /// λ·r_t.
            case current
        }

        public enum Resampling: String, Codable, CaseIterable, Sendable {
            case multinomial, systematic
        }

        enum CodingKeys: String, CodingKey {
            case particles, lambda, potential, resampling
            case resampleEvery = "resample_every", tStart = "t_start", tEnd = "t_end", essThreshold = "ess_threshold"
        }

        public static let budgetKey = "particles"
        public static let documentation: [(key: String, meaning: String)] = [
            ("particles", "k particles per sample (the budget axis; 1 is no search)"),
            ("lambda", "λ of the weights exp(λ·potential), ≥ 0"),
            ("potential", "max, diff, sum or current: how a particle's rewards become its potential"),
            ("resample_every", "solver steps between resampling steps"),
            ("t_start", "resample only at code times t ≥ t_start (0 = noise)"),
            ("t_end", "… and t ≤ t_end (≤ 1 = data)"),
            ("ess_threshold", "resample only when the effective sample size is below this fraction of k, in (0, 1] (1 = unless all weights are equal)"),
            ("resampling", "multinomial or systematic"),
        ]
        public var budget: Int {
            get { particles }
            set { particles = newValue }
        }
        public var isNoSearch: Bool { particles == 1 }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            var p = Parameters()
            p.particles = try source.int("particles", default: p.particles)
            p.lambda = try source.double("lambda", default: p.lambda)
            p.potential = Potential(rawValue: try source.choice("potential", default: p.potential.rawValue, from: Potential.allCases.map(\.rawValue)))!
            p.resampleEvery = try source.int("resample_every", default: p.resampleEvery)
            p.tStart = try source.double("t_start", default: p.tStart)
            p.tEnd = try source.double("t_end", default: p.tEnd)
            p.essThreshold = try source.double("ess_threshold", default: p.essThreshold)
            p.resampling = Resampling(rawValue: try source.choice("resampling", default: p.resampling.rawValue,
                                                                  from: Resampling.allCases.map(\.rawValue)))!
            return p
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(particles >= 1, "particles", "a positive integer", got: particles)
            try ParameterError.require(lambda >= 0 && lambda.isFinite, "lambda", "a finite λ ≥ 0", got: lambda)
            try ParameterError.require(resampleEvery >= 1, "resample_every", "a positive number of steps", got: resampleEvery)
            try ParameterError.require(tStart >= 0 && tStart <= 1, "t_start", "a time in [0, 1]", got: tStart)
            try ParameterError.require(tEnd >= tStart && tEnd <= 1, "t_end", "a time in [t_start, 1] (t_start = \(tStart))", got: tEnd)
            try ParameterError.require(essThreshold > 0 && essThreshold <= 1, "ess_threshold", "a fraction in (0, 1]", got: essThreshold)
        }

        public func check(_ setup: SearchSetup) throws(ParameterError) {
            try setup.requireStochasticTrajectories("smc", unit: "particle", copies: "the copies a resampling makes would stay identical",
                                                    rewards: "weighs particles by absolute rewards")
        }

        /// The solver steps after which particles are resampled (segment ends), for `steps`
        /// SDE steps reaching data: every `resample_every` steps whose end time lies in
        /// [t_start, t_end], never the last step.
        public func resamplingSteps(steps: Int) -> [Int] {
            let stochastic = steps - 1
            guard stochastic > 0 else { return [] }
            let dt = Double(1 - Sampler.sdeLastStep) / Double(stochastic)
            return stride(from: resampleEvery, through: stochastic, by: resampleEvery).filter { end in
                let t = Double(end) * dt
                return t >= tStart - 1e-12 && t <= tEnd + 1e-12
            }
        }
    }

    public static let kind = "smc"
    public static var preferredSolver: Solver? { .sde }
    public static let summary = "Feynman–Kac steering: k SDE particles per sample, resampled by exp(λ·potential) of their x̂₁ rewards, best particle kept"

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        try budgets.map { k in
            var p = parameters
            p.particles = k
            return try SMCRun(parameters: p, task: task, context: context).run(for: self)
        }
    }

    /// Every particle of every budget is one generation.
    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? {
        task.count * budgets.reduce(0, +)
    }
}
