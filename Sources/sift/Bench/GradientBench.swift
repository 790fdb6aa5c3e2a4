import ArgumentParser
import Foundation
import SiftModels
import SiftSearch
import SiftTensor

/// `sift bench gradient`: the cost of a backward pass through the sampler and the verifier in
/// forward passes — the ratio behind the gradient search's NFE-equivalent (`Ledger.backwardCostRatio`).
struct GradientBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gradient",
                                                    abstract: "Time a backward pass through the sampler and verifier against forward passes (the gradient search's cost ratio).")
    @OptionGroup var options: BenchOptions
    @Option(help: "Diffusion model.") var model = "sit-s"
    @Option(help: "Differentiable verifier (clf-mlp, clf-vit or self-similarity[:network]).") var verifier = "clf-vit"
    @Option(help: "Samples per pass (the gradient search's autograd batch is 16).") var samples = 16
    @Option(help: "Solver steps (Heun).") var steps = 10
    @Option(help: "Minimum seconds of timing per measurement.") var seconds = 3.0

    func run() throws {
        options.apply()
        let sit = try ModelZoo.loadSiT(model)
        guard let differentiable = try VerifierFactory().make(verifier) as? DifferentiableVerifier else {
            throw ValidationError("'\(verifier)' is not differentiable; use one of \(GradientSearch.Parameters.differentiableVerifiers.joined(separator: ", "))")
        }
        var settings = SamplingSettings()
        settings.searchSteps = steps
        settings.finalSteps = steps
        let context = SearchContext(model: sit, settings: settings) { throw ValidationError("no verifier needed") }
        let task = SearchTask(classes: [0], perClass: samples)
        let noise = GenerationNoise(seed: 0, perSample: 784)
        let noises = task.slots.map { noise.initial(classIndex: $0.classIndex, sample: $0.sample) }
        let generator = context.generator(steps: steps)
        // Fails here, before the timing, where the verifier cannot score (the timed calls then cannot).
        _ = try GradientSearch.scores(of: noises, task: task, verifier: differentiable, context: context, gradient: true)
        let inference = Timing.median(seconds: seconds) { _ = generator.generate(task.slots).images }
        let (forward, both) = Timing.interleavedMedians(seconds: 2 * seconds,
            { _ = try! GradientSearch.scores(of: noises, task: task, verifier: differentiable, context: context, gradient: false) },
            { _ = try! GradientSearch.scores(of: noises, task: task, verifier: differentiable, context: context, gradient: true) })
        let backward = both - forward
        print("\(model) + \(verifier), \(samples) samples, Heun \(steps) steps (\(context.passes(steps: steps)) passes), \(Threads.count) threads")
        var table = TextTable(["pass", "seconds", "× inference forward"])
        table.add(["forward, inference path (fused)", fmt(inference, 3), "1.00"])
        table.add(["forward, autograd path (no graph)", fmt(forward, 3), fmt(forward / inference, 2)])
        table.add(["forward + backward, autograd path", fmt(both, 3), fmt(both / inference, 2)])
        table.add(["backward alone", fmt(backward, 3), fmt(backward / inference, 2)])
        print(table.render())
        print("backward : forward = \(fmt(backward / inference, 2)) against the inference forward the other algorithms are charged, \(fmt(backward / forward, 2)) against the autograd forward (the paper assumed 3)")
    }
}
