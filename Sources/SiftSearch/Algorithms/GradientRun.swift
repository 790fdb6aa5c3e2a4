import Foundation
import SiftModels
import SiftTensor

/// The state of one first-order search: every slot's noise, optimiser moments and best iterate,
/// and a snapshot after each reported iteration count. Generation runs the ODE solver on the
/// SiT's autograd forward (guidance as v∅ + w·(v_y − v∅)), so the verifier's logit can be
/// differentiated back to the initial noise.
final class GradientRun {
    let parameters: GradientSearch.Parameters
    let slots: [CandidateKey]
    let classifier: Classifier
    let context: SearchContext
    let noise: GenerationNoise
    let shape: [Int]
    var snapshots = [Int: NoiseSearchSnapshot]()

    /// Slots per autograd batch (every solver step's activations are kept for the backward pass).
    static let batchSize = 16

    init(parameters: GradientSearch.Parameters, task: SearchTask, classifier: Classifier, context: SearchContext) {
        self.parameters = parameters
        slots = task.slots
        self.classifier = classifier
        self.context = context
        let generator = context.generator(steps: context.settings.searchSteps)
        noise = generator.noise
        shape = generator.sampleShape
    }

    var per: Int { noise.perSample }
    var model: SiT { context.denoiser.model }

    /// Optimises `last` steps from each slot's keyed noise, snapshotting after each count in `reported`.
    func optimise(through last: Int, reporting reported: Set<Int>) throws {
        let s = slots.count, d = Float(per)
        let start = Date()
        // Only the noise needs a gradient: the networks' weights stay frozen meanwhile.
        model.setRequiresGrad(false)
        classifier.setRequiresGrad(false)
        defer { model.setRequiresGrad(true); classifier.setRequiresGrad(true) }
        var z = slots.map { noise.initial(classIndex: $0.classIndex, sample: $0.sample) }
        var m = [[Float]](repeating: [Float](repeating: 0, count: per), count: s), v = m
        var best = [ScoredNoise](), bestImages = [[Float]]()
        var verifier = VerifierCost(), backward = 0, trace = [Double]()
        let passes = context.passes(steps: context.settings.searchSteps)
        for iteration in 0...last {
            let wantsGradient = iteration < last
            let (scores, grads, images) = evaluate(z, gradient: wantsGradient)
            verifier = verifier + VerifierCost(forwardPasses: s, flops: Double(s) * Double(classifier.forwardFLOPs))
            for i in 0..<s where iteration == 0 || scores[i] > best[i].score {
                let key = CandidateKey(classIndex: slots[i].classIndex, sample: slots[i].sample, candidate: iteration)
                if iteration == 0 {
                    best.append(ScoredNoise(noise: z[i], score: scores[i], key: key))
                    bestImages.append(images[i])
                } else {
                    best[i] = ScoredNoise(noise: z[i], score: scores[i], key: key)
                    bestImages[i] = images[i]
                }
            }
            if iteration > 0 { trace.append(best.reduce(0) { $0 + $1.score } / Double(s)) }
            if reported.contains(iteration) {
                let noSearch = iteration == 0
                snapshots[iteration] = NoiseSearchSnapshot(
                    winners: noSearch ? best.map { ScoredNoise(noise: $0.noise, score: -.infinity, key: $0.key) } : best,
                    images: Tensor(bestImages.flatMap { $0 }, shape: [s] + shape), early: nil, generated: s * (iteration + 1),
                    verifier: noSearch ? VerifierCost() : verifier, seconds: Date().timeIntervalSince(start), trace: trace,
                    wantsEarly: false, backwardPasses: backward)
            }
            guard wantsGradient else { break }
            backward += s * passes
            for i in 0..<s { z[i] = step(z[i], gradient: grads[i], m: &m[i], v: &v[i], t: iteration + 1, dimension: d) }
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

    /// The verifier's logit of each slot's class for noises `z`, its gradient with respect to each
    /// noise (when `gradient`), and the generated images, in batches of ``batchSize`` slots.
    func evaluate(_ z: [[Float]], gradient: Bool) -> (scores: [Double], gradients: [[Float]], images: [[Float]]) {
        var scores = [Double](), gradients = [[Float]](), images = [[Float]]()
        for range in Batches.ranges(count: z.count, size: Self.batchSize) {
            let labels = range.map { slots[$0].classIndex }
            let x0 = Tensor(range.flatMap { z[$0] }, shape: [range.count] + shape, requiresGrad: gradient)
            let body = { () -> (Tensor, Tensor) in
                let image = self.generate(x0, labels: labels)
                return (image, self.classifier.logits(image))
            }
            let (image, logits) = gradient ? body() : withNoGrad(body)
            for (r, label) in labels.enumerated() {
                scores.append(Double(logits.data[r * 10 + label]))
                images.append(Array(image.data[(r * per)..<((r + 1) * per)]))
            }
            if gradient {
                var oneHot = [Float](repeating: 0, count: logits.count)
                for (r, label) in labels.enumerated() { oneHot[r * 10 + label] = 1 }
                (logits * Tensor(oneHot, shape: logits.shape)).sum().backward()
                let g = x0.grad ?? [Float](repeating: 0, count: x0.count)
                for r in 0..<range.count { gradients.append(Array(g[(r * per)..<((r + 1) * per)])) }
            }
        }
        return (scores, gradients, images)
    }

    /// The ODE solve from noise (t = 0) to data on the autograd forward: Euler or Heun on the
    /// uniform grid of the search steps, as `Sampler.solve` does. Counts its passes on the denoiser.
    func generate(_ x0: Tensor, labels: [Int]) -> Tensor {
        let steps = context.settings.searchSteps, solver = context.settings.solver
        let dt = 1 / Float(steps)
        var x = x0
        for i in 0..<steps {
            let t = Float(i) * dt
            let k1 = velocity(x, t: t, labels: labels)
            let predictor = x + k1 * dt
            if solver == .euler || i == steps - 1 {
                x = predictor
            } else {
                let k2 = velocity(predictor, t: t + dt, labels: labels)
                x = x + (k1 + k2) * (0.5 * dt)
            }
        }
        return x
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
    /// The scores of `noises` (one per slot of `task`) for `classifier`'s class logit, generated on
    /// the autograd forward, with the backward pass to the noises when `gradient`: the two passes
    /// `sift bench gradient` times against the inference path.
    public static func scores(of noises: [[Float]], task: SearchTask, classifier: Classifier, context: SearchContext, gradient: Bool) -> [Double] {
        let run = GradientRun(parameters: Parameters(), task: task, classifier: classifier, context: context)
        run.model.setRequiresGrad(false)
        classifier.setRequiresGrad(false)
        defer { run.model.setRequiresGrad(true); classifier.setRequiresGrad(true) }
        return run.evaluate(noises, gradient: gradient).scores
    }
}
