import Foundation
import SiftModels
import SiftTensor

/// `paths` (Paths-N): N initial noises per slot are solved to the start level σ; each round
/// re-noises every survivor M times forward by Δf (exact forward noising of the linear
/// interpolant), solves each back by Δb > Δf with L solver steps, takes one extra velocity call
/// to a data prediction for the verifier, and keeps the top N of the N·M; when the level
/// reaches 0 the best survivor is the sample.
///
/// Levels are noise levels σ in the paper's convention (σ = 0 is data, σ = 1 noise; SiT code
/// time t = 1 − σ). Every pass is search cost: the winning path is itself the final sample, so
/// there is no separate final generation. ODE solvers only (the paths must be deterministic).
public struct PathSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        public var paths = 2
        public var width = 2
        public var sigma = 0.5
        public var forward = 0.1
        public var backward = 0.2
        public var length = 4
        public init() {}
        public init(paths: Int, width: Int, sigma: Double, forward: Double, backward: Double, length: Int) {
            self.paths = paths
            self.width = width
            self.sigma = sigma
            self.forward = forward
            self.backward = backward
            self.length = length
        }

        public static let budgetKey = "width"
        public static let documentation: [(key: String, meaning: String)] = [
            ("paths", "surviving paths N"),
            ("width", "re-noisings per survivor per round M (the budget axis)"),
            ("sigma", "start noise level σ in [0, 1) (paper convention: 0 = data, 1 = noise)"),
            ("forward", "forward re-noising step Δf (> 0, σ + Δf ≤ 1)"),
            ("backward", "backward solve step Δb (> Δf)"),
            ("length", "solver steps per backward solve L"),
        ]
        public var budget: Int {
            get { width }
            set { width = newValue }
        }
        /// Every width searches (N paths compete even at M = 1).
        public var isNoSearch: Bool { false }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            let d = Parameters()
            return Parameters(paths: try source.int("paths", default: d.paths), width: try source.int("width", default: d.width),
                              sigma: try source.double("sigma", default: d.sigma), forward: try source.double("forward", default: d.forward),
                              backward: try source.double("backward", default: d.backward), length: try source.int("length", default: d.length))
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(paths >= 1, "paths", "a positive integer", got: paths)
            try ParameterError.require(width >= 1, "width", "a positive integer", got: width)
            try ParameterError.require(sigma >= 0 && sigma < 1, "sigma", "a start level in [0, 1)", got: sigma)
            try ParameterError.require(forward > 0, "forward", "a positive step Δf", got: forward)
            try ParameterError.require(backward > forward, "backward", "a step Δb larger than Δf = \(forward)", got: backward)
            try ParameterError.require(sigma + forward <= 1, "forward", "at most 1 − σ (σ + Δf ≤ 1, σ = \(sigma))", got: forward)
            // Each round lowers the level by Δb − Δf: bound the rounds before `levels` counts them.
            let rounds = sigma > Self.dataLevel ? (sigma / (backward - forward)).rounded(.up) : 0
            try ParameterError.require(rounds <= Double(Self.maxRounds), "backward",
                                       "a step with Δb − Δf ≥ σ/\(Self.maxRounds) = \(sigma / Double(Self.maxRounds)) (at most \(Self.maxRounds) rounds; Δf = \(forward))",
                                       got: backward)
            try ParameterError.require(length >= 1, "length", "a positive number of solver steps", got: length)
        }

        public func check(_ setup: SearchSetup) throws(ParameterError) {
            if setup.solver == .sde { throw .setting("sampler.solver", "paths search needs an ODE solver (euler or heun), not sde") }
            if setup.verifierNeedsEarlyPrediction {
                throw .setting("verifier", "paths search cannot use '\(setup.verifierName)': it needs the t = 0.6 prediction of a full generation, which a re-noised path does not have")
            }
            if setup.recordsEarlyPrediction {
                throw .setting("held_out", "paths search cannot report a held-out self-similarity score: its samples have no t = 0.6 prediction of a full generation")
            }
        }

        /// Most rounds a search may take (σ / (Δb − Δf), rounded up).
        public static let maxRounds = 1_000
        /// Levels below this are data.
        static let dataLevel = 1e-9

        /// The levels σ after each round, ending at 0 (at most ``maxRounds``).
        public var levels: [Double] {
            var out = [Double](), s = sigma
            while s > Self.dataLevel && out.count < Self.maxRounds {
                s = max(s + forward - backward, 0)
                out.append(s < Self.dataLevel ? 0 : s)
            }
            if let last = out.last, last > 0 { out[out.count - 1] = 0 }
            return out
        }

        /// Solver steps of the first solve, from noise to σ (the search grid's share of the interval).
        public func initialSteps(searchSteps: Int) -> Int { max(1, Int((Double(searchSteps) * (1 - sigma)).rounded())) }

        /// Denoiser calls per slot (before guidance doubling): N·initial + per round N·M·(L calls +
        /// 1 prediction call unless the round ends at data).
        public func calls(searchSteps: Int, solver: Solver) -> Int {
            paths * solver.calls(steps: initialSteps(searchSteps: searchSteps))
                + levels.reduce(0) { $0 + paths * width * (solver.calls(steps: length) + ($1 > 0 ? 1 : 0)) }
        }
    }

    public static let kind = "paths"
    public static let summary = "N sampling paths re-noised forward and solved back in rounds, the top N kept each round"

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    /// Paths-`paths` for every width of `widths`.
    public init(paths: Int, widths: [Int], sigma: Double, forward: Double, backward: Double, length: Int) throws {
        try self.init(Parameters(paths: paths, width: 1, sigma: sigma, forward: forward, backward: backward, length: length), budgets: widths)
    }

    /// The exact forward noising of the linear path from code time `t` to `t2 < t`:
    /// `x_{t2} = (t2/t)·x_t + √((1 − t2)² − (t2(1 − t)/t)²)·ε`.
    public static func renoise(_ x: [Float], from t: Double, to t2: Double, noise: [Float]) -> [Float] {
        let scale = t > 0 ? t2 / t : 0
        let std = max((1 - t2) * (1 - t2) - (scale * (1 - t)) * (scale * (1 - t)), 0).squareRoot()
        return zip(x, noise).map { Float(scale * Double($0) + std * Double($1)) }
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        try budgets.map { width in
            var p = parameters
            p.width = width
            return try PathRun(parameters: p, task: task, context: context).run(for: self)
        }
    }

    /// The levels σ after each round, ending at 0.
    public var levels: [Double] { parameters.levels }

    /// Initial paths, then every round's re-noised candidates, at every width.
    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? {
        let rounds = parameters.levels.count
        return budgets.reduce(0) { $0 + task.count * parameters.paths * (1 + rounds * $1) }
    }

    /// Denoiser calls per slot (before guidance doubling) at width `m`.
    public func calls(width m: Int, searchSteps: Int, solver: Solver) -> Int {
        var p = parameters
        p.width = m
        return p.calls(searchSteps: searchSteps, solver: solver)
    }
}
