import SiftModels
import SiftTensor

/// One candidate of one sample slot: class, sample index within the class, candidate index.
public struct CandidateKey: Hashable, Codable, Sendable, CustomStringConvertible {
    public let classIndex: Int
    public let sample: Int
    public let candidate: Int
    public init(classIndex: Int, sample: Int, candidate: Int = 0) {
        self.classIndex = classIndex
        self.sample = sample
        self.candidate = candidate
    }
    public var description: String { "class \(classIndex) sample \(sample) candidate \(candidate)" }
}

/// Solves batches of candidates from their keyed noises to data, in chunks of at most
/// `batchSize` candidates (large batches keep the matrix products big), optionally recording
/// each candidate's data prediction at the self-supervised level t = 0.6 (no extra NFE).
public final class CandidateGenerator {
    public let denoiser: Denoiser
    public let solver: Solver
    public let steps: Int
    public let noise: GenerationNoise
    /// Candidates per solver call.
    public var batchSize: Int
    /// Called after each solver call with the number of candidates it generated.
    public var onGenerated: ((Int) -> Void)?

    public init(denoiser: Denoiser, solver: Solver, steps: Int, seed: UInt64, batchSize: Int = 256) {
        precondition(steps >= 1, "CandidateGenerator: steps must be positive")
        self.denoiser = denoiser
        self.solver = solver
        self.steps = steps
        noise = GenerationNoise(seed: seed, perSample: denoiser.sampleShape.reduce(1, *))
        self.batchSize = batchSize
    }

    /// Image shape of one sample `[C, H, W]`.
    public var sampleShape: [Int] { denoiser.sampleShape }

    /// The segment solver on this generator's denoiser, solver, noise and batch size.
    public var segments: SegmentSolver {
        var s = SegmentSolver(denoiser: denoiser, solver: solver, noise: noise, batchSize: batchSize)
        s.onSolved = onGenerated
        return s
    }

    /// Final samples `(K, C, H, W)` of `keys`, starting from `initial` noises (default: each
    /// key's keyed initial noise), and with `earlyPrediction` the data predictions at t = 0.6.
    public func generate(_ keys: [CandidateKey], initial: [[Float]]? = nil, earlyPrediction: Bool = false)
        -> (images: Tensor, early: Tensor?) {
        precondition(initial.map { $0.count == keys.count } ?? true, "generate: \(keys.count) keys, \(initial?.count ?? 0) noises")
        let per = noise.perSample
        var images = [Float](), early = [Float]()
        images.reserveCapacity(keys.count * per)
        if earlyPrediction { early.reserveCapacity(keys.count * per) }
        let solver = segments
        let earlyStep = earlyPrediction ? EarlyPrediction.step(steps: steps, solver: self.solver) : nil
        for range in Batches.ranges(count: keys.count, size: batchSize) {
            let chunk = Array(keys[range])
            var x0 = [Float]()
            x0.reserveCapacity(chunk.count * per)
            for (offset, key) in chunk.enumerated() {
                x0 += initial?[range.lowerBound + offset] ?? noise.initial(classIndex: key.classIndex, sample: key.sample, candidate: key.candidate)
            }
            let out = solver.solveBatch(Tensor(x0, shape: [chunk.count] + sampleShape), keys: chunk, from: 0, to: 1, steps: steps, earlyStep: earlyStep)
            images += out.state.data
            if let e = out.early { early += e.data }
        }
        let shape = [keys.count] + sampleShape
        return (Tensor(images, shape: shape), earlyPrediction ? Tensor(early, shape: shape) : nil)
    }

    /// Keys of plain sampling: `perClass` samples (candidate 0) of each class, class-major.
    public static func plainKeys(classes: [Int], perClass: Int) -> [CandidateKey] {
        classes.flatMap { c in (0..<perClass).map { CandidateKey(classIndex: c, sample: $0) } }
    }
}
