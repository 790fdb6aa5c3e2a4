import Foundation
import SiftModels
import SiftTensor

/// Sampling settings shared by every search algorithm.
public struct SamplingSettings: Codable, Equatable, Sendable {
    public var solver: Solver = .heun
    /// Solver steps of each candidate generated during search.
    public var searchSteps = 10
    /// Solver steps of the final generation of the chosen noise.
    public var finalSteps = 25
    /// Classifier-free guidance scale (1 = none; otherwise every call costs two passes).
    public var guidance: Float = 1
    /// Seed of every keyed noise.
    public var seed: UInt64 = 0
    public init() {}
}

/// The sample slots a search fills: samples `samples` of each class, class-major. A whole cell
/// has samples `0..<perClass`; a checkpointed chunk of it (``chunk(classIndex:samples:)``) a block
/// of one class. Algorithms see only ``slots`` and ``count``, so a chunk's slots get the same
/// candidates, and with slot-independent verifiers the same choices, as in the whole task.
public struct SearchTask: Sendable {
    public let classes: [Int]
    /// Sample indices of each class.
    public let samples: Range<Int>
    public init(classes: [Int], perClass: Int) {
        self.init(classes: classes, samples: 0..<perClass)
    }
    public init(classes: [Int], samples: Range<Int>) {
        self.classes = classes
        self.samples = samples
    }
    /// Samples per class.
    public var perClass: Int { samples.count }
    /// Slot keys (candidate 0), in slot order.
    public var slots: [CandidateKey] { classes.flatMap { c in samples.map { CandidateKey(classIndex: c, sample: $0) } } }
    public var count: Int { classes.count * samples.count }

    /// The samples `samples` of class `classIndex` alone.
    public func chunk(classIndex: Int, samples block: Range<Int>) -> SearchTask { SearchTask(classes: [classIndex], samples: block) }
}

/// What a search needs: the denoiser, the settings, and a maker of fresh verifiers (verifiers
/// keep running state and costs, so set-level or pool-relative scoring gets a fresh one per budget).
public final class SearchContext {
    public let denoiser: Denoiser
    public let settings: SamplingSettings
    public let makeVerifier: () throws -> Verifier
    /// Candidates per solver call.
    public var batchSize = 256
    /// Also record the t = 0.6 data prediction of every final sample (``SearchOutcome/early``),
    /// even when the search verifier does not need it — for held-out self-similarity scores.
    /// Costs no NFE (the prediction is read from a solver step that runs anyway).
    public var recordEarlyPrediction = false
    /// Called after each solver batch of candidates with how many were generated (progress).
    public var onGenerated: ((Int) -> Void)?
    /// The running state each budget's set-level verifier starts from (``Verifier/resume(from:)``),
    /// keyed by budget: the previous chunk's, when a task whose scores span slots runs in chunks.
    public var runningStates: [Int: [Double]] = [:]

    public convenience init(model: SiT, settings: SamplingSettings, makeVerifier: @escaping () throws -> Verifier) {
        self.init(source: .sit(model), settings: settings, makeVerifier: makeVerifier)
    }

    /// A context on any velocity source (a SiT or an external worker's model).
    public init(source: VelocitySource, settings: SamplingSettings, makeVerifier: @escaping () throws -> Verifier) {
        denoiser = Denoiser(source: source, guidance: settings.guidance)
        self.settings = settings
        self.makeVerifier = makeVerifier
    }

    /// A generator with `steps` solver steps on the shared denoiser.
    public func generator(steps: Int) -> CandidateGenerator {
        let generator = CandidateGenerator(denoiser: denoiser, solver: settings.solver, steps: steps, seed: settings.seed, batchSize: batchSize)
        generator.onGenerated = onGenerated
        return generator
    }

    /// Denoiser passes of generating one candidate with `steps` steps.
    public func passes(steps: Int) -> Int { settings.solver.calls(steps: steps) * denoiser.passesPerCall }

    /// FLOPs of one denoiser pass (one network evaluation of one image); nil when an external
    /// worker's model does not say (the ledger then records its FLOPs as unknown).
    public var flopsPerPass: Int? { denoiser.flopsPerPass }

    /// Runs `body` and returns its result with the wall seconds it took.
    public func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) { try Self.time(body) }

    /// Runs `body` and returns its result with the wall seconds it took.
    public static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = Date()
        let value = try body()
        return (value, Date().timeIntervalSince(start))
    }
}
