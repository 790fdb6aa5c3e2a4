import Foundation
import SiftModels
import SiftTensor

/// The state of one first-order search: every slot's noise, optimiser moments and best iterate,
/// and a snapshot after each reported iteration count. Generation runs the ODE solver on the
/// SiT's autograd forward (guidance as v∅ + w·(v_y − v∅)), so the verifier's score (a class
/// logit, or self-similarity through the early prediction read on the way) can be differentiated
/// back to the initial noise.
final class GradientRun {
    let parameters: GradientSearch.Parameters
    let slots: [CandidateKey]
    let verifier: DifferentiableVerifier
    let context: SearchContext
    let noise: GenerationNoise
    let shape: [Int]
    var snapshots = [Int: NoiseSearchSnapshot]()

    /// Slots per autograd batch (every solver step's activations are kept for the backward pass).
    static let batchSize = 16

    init(parameters: GradientSearch.Parameters, task: SearchTask, verifier: DifferentiableVerifier, context: SearchContext) {
        self.parameters = parameters
        slots = task.slots
        self.verifier = verifier
        self.context = context
        let generator = context.generator(steps: context.settings.searchSteps)
        noise = generator.noise
        shape = generator.sampleShape
    }

    var per: Int { noise.perSample }
    var model: SiT { context.denoiser.model! }  // GradientSearch.run refuses a worker's model

    /// Optimises `last` steps from each slot's keyed noise, snapshotting after each count in `reported`.
    func optimise(through last: Int, reporting reported: Set<Int>) throws {
        try withFrozenNetworks { try optimiseFrozen(through: last, reporting: reported) }
    }

    /// Runs `body` with the denoiser's and the verifier's weights out of the graph: only the noise
    /// needs a gradient.
    func withFrozenNetworks<T>(_ body: () throws -> T) rethrows -> T {
        model.setRequiresGrad(false)
        verifier.network.setRequiresGrad(false)
        defer { model.setRequiresGrad(true); verifier.network.setRequiresGrad(true) }
        return try body()
    }

    private func optimiseFrozen(through last: Int, reporting reported: Set<Int>) throws {
        let s = slots.count, d = Float(per)
        let start = Date()
        var z = slots.map { noise.initial(classIndex: $0.classIndex, sample: $0.sample) }
        var m = [[Float]](repeating: [Float](repeating: 0, count: per), count: s), v = m
        var best = [ScoredNoise](), bestImages = [[Float]](), bestEarly = [[Float]]()
        var backward = 0, trace = [Double]()
        let passes = context.passes(steps: context.settings.searchSteps)
        for iteration in 0...last {
            let wantsGradient = iteration < last
            let out = try evaluate(z, gradient: wantsGradient)
            for i in 0..<s where iteration == 0 || out.scores[i] > best[i].score {
                let key = CandidateKey(classIndex: slots[i].classIndex, sample: slots[i].sample, candidate: iteration)
                let winner = ScoredNoise(noise: z[i], score: out.scores[i], key: key), early = wantsEarly ? out.early[i] : []
                if iteration == 0 {
                    best.append(winner)
                    bestImages.append(out.images[i])
                    bestEarly.append(early)
                } else {
                    (best[i], bestImages[i], bestEarly[i]) = (winner, out.images[i], early)
                }
            }
            if iteration > 0 { trace.append(best.reduce(0) { $0 + $1.score } / Double(s)) }
            if reported.contains(iteration) {
                let noSearch = iteration == 0
                snapshots[iteration] = NoiseSearchSnapshot(
                    winners: noSearch ? best.map { ScoredNoise(noise: $0.noise, score: -.infinity, key: $0.key) } : best,
                    images: Tensor(bestImages.flatMap { $0 }, shape: [s] + shape),
                    early: wantsEarly ? Tensor(bestEarly.flatMap { $0 }, shape: [s] + shape) : nil, generated: s * (iteration + 1),
                    verifier: noSearch ? VerifierCost() : verifier.cost, seconds: Date().timeIntervalSince(start), trace: trace,
                    wantsEarly: wantsEarly, backwardPasses: backward)
            }
            guard wantsGradient else { break }
            backward += s * passes
            for i in 0..<s { z[i] = step(z[i], gradient: out.gradients[i], m: &m[i], v: &v[i], t: iteration + 1, dimension: d) }
        }
    }

    /// One optimiser step of one slot's noise (ascent), then the regulariser.
    func step(_ z: [Float], gradient g0: [Float], m: inout [Float], v: inout [Float], t: Int, dimension d: Float) -> [Float] {
        var g = g0
        let normSquared = z.reduce(Float(0)) { $0 + $1 * $1 }
        if parameters.regularizer == .norm {
            // d/dz of −ρ·(‖z‖²/d − 1)² is −4ρ·(‖z‖²/d − 1)·z/d.
            let k = 4 * Float(parameters.regularization) * (normSquared / d - 1) / d
            for j in g.indices { g[j] -= k * z[j] }
        }
        let lr = Float(parameters.learningRate)
        var out = z
        switch parameters.optimizer {
        case .sgd:
            for j in out.indices { out[j] += lr * g[j] }
        case .adam:
            let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
            let c1 = 1 - Float(Foundation.pow(Double(b1), Double(t))), c2 = 1 - Float(Foundation.pow(Double(b2), Double(t)))
            for j in out.indices {
                m[j] = b1 * m[j] + (1 - b1) * g[j]
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
                out[j] += lr * (m[j] / c1) / ((v[j] / c2).squareRoot() + eps)
            }
        }
        if parameters.regularizer == .projection {
            let norm = out.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { let scale = d.squareRoot() / norm; for j in out.indices { out[j] *= scale } }
        }
        return out
    }

    /// Whether generation reads the early predictions: the verifier scores them, or the finals
    /// must carry them (a held-out self-similarity).
    var wantsEarly: Bool { EarlyPrediction.neededForFinals(verifier: verifier, context: context) }

    /// One evaluation of every slot's noise: scores, gradients with respect to the noises (empty
    /// without `gradient`), and per-slot rows of the images and early predictions (empty unless
    /// ``wantsEarly``).
    struct Evaluation {
        var scores = [Double](), gradients = [[Float]](), images = [[Float]](), early = [[Float]]()
    }

    /// The verifier's score of each slot for noises `z`, its gradient with respect to each noise
    /// (when `gradient`), and the generated images, in batches of ``batchSize`` slots.
    func evaluate(_ z: [[Float]], gradient: Bool) throws -> Evaluation {
        var out = Evaluation()
        for range in Batches.ranges(count: z.count, size: Self.batchSize) {
            let labels = range.map { slots[$0].classIndex }
            let x0 = Tensor(range.flatMap { z[$0] }, shape: [range.count] + shape, requiresGrad: gradient)
            let body = { () throws -> (Tensor, Tensor?, Tensor) in
                let (image, early) = self.generate(x0, labels: labels)
                let scores = try self.verifier.differentiableScores(images: image, early: self.verifier.needsEarlyPrediction ? early : nil,
                                                                    labels: labels)
                return (image, early, scores)
            }
            let (image, early, batchScores) = gradient ? try body() : try withNoGrad(body)
            for r in labels.indices {
                out.scores.append(Double(batchScores.data[r]))
                out.images.append(Array(image.data[(r * per)..<((r + 1) * per)]))
                if let early { out.early.append(Array(early.data[(r * per)..<((r + 1) * per)])) }
            }
            if gradient {
                batchScores.sum().backward()
                let g = x0.grad ?? [Float](repeating: 0, count: x0.count)
                for r in 0..<range.count { out.gradients.append(Array(g[(r * per)..<((r + 1) * per)])) }
            }
        }
        return out
    }

    /// The ODE solve from noise (t = 0) to data on the autograd forward: Euler or Heun on the
    /// uniform grid of the search steps, as `Sampler.solve` does, with the data prediction
    /// `x + (1 − t)·v` at ``EarlyPrediction/step(steps:solver:)`` when ``wantsEarly``.
    /// Counts its passes on the denoiser.
    func generate(_ x0: Tensor, labels: [Int]) -> (image: Tensor, early: Tensor?) {
        let steps = context.settings.searchSteps, solver = context.settings.solver
        let earlyStep = wantsEarly ? EarlyPrediction.step(steps: steps, solver: solver) : nil
        let dt = 1 / Float(steps)
        var x = x0, early: Tensor?
        for i in 0..<steps {
            let t = Float(i) * dt
            let k1 = velocity(x, t: t, labels: labels)
            if i == earlyStep { early = x + k1 * (1 - t) }
            let predictor = x + k1 * dt
            if solver == .euler || i == steps - 1 {
                x = predictor
            } else {
                let k2 = velocity(predictor, t: t + dt, labels: labels)
                x = x + (k1 + k2) * (0.5 * dt)
            }
        }
        return (x, early)
    }

    /// v = v∅ + w·(v_y − v∅) (v_y alone without guidance), counted as the denoiser's passes.
    func velocity(_ x: Tensor, t: Float, labels: [Int]) -> Tensor {
        let times = [Float](repeating: t, count: labels.count), w = context.settings.guidance
        context.denoiser.count(samples: labels.count)
        let conditional = model(x, t: times, labels: labels)
        guard w != 1 else { return conditional }
        let unconditional = model(x, t: times, labels: [Int](repeating: model.nullLabel, count: labels.count))
        return unconditional + (conditional - unconditional) * w
    }
}

extension GradientSearch {
    /// The scores of `noises` (one per slot of `task`) by `verifier`, generated on the autograd
    /// forward, with the backward pass to the noises when `gradient`: the two passes
    /// `sift bench gradient` times against the inference path.
    public static func scores(of noises: [[Float]], task: SearchTask, verifier: DifferentiableVerifier, context: SearchContext,
                              gradient: Bool) throws -> [Double] {
        let run = GradientRun(parameters: Parameters(), task: task, verifier: verifier, context: context)
        return try run.withFrozenNetworks { try run.evaluate(noises, gradient: gradient).scores }
    }
}
