import Testing
@testable import SiftNN
import SiftTensor

@Suite struct AdamWTests {
    @Test func firstStepMatchesTheFormula() {
        // One step from θ = 1 with gradient g: m̂ = g, v̂ = g², update = g/(|g| + eps) = sign(g).
        let p = Tensor([1, -2, 0.5], shape: [3], requiresGrad: true)
        p.grad = [0.3, -0.1, 0]
        let opt = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.5)
        opt.step()
        let decay: Float = 1 - 0.1 * 0.5
        let expected: [Float] = [1 * decay - 0.1 * (0.3 / (0.3 + 1e-8)), -2 * decay + 0.1 * (0.1 / (0.1 + 1e-8)), 0.5 * decay]
        for (a, b) in zip(p.data, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test func secondStepUsesBiasCorrectedMoments() {
        let p = Tensor([0], shape: [1], requiresGrad: true)
        let opt = AdamW(parameters: [p], learningRate: 0.01, weightDecay: 0)
        p.grad = [1]; opt.step()
        p.grad = [3]; opt.step()
        // m = 0.9·0.1 + 0.1·3 = 0.39 → m̂ = 0.39/0.19; v = 0.999·0.001 + 0.001·9 → v̂ = v/(1−0.999²)
        let m = 0.39 / 0.19, v = (0.999 * 0.001 + 0.009) / (1 - 0.999 * 0.999)
        let expected = -0.01 - 0.01 * m / (v.squareRoot() + 1e-8)
        #expect(abs(Double(p.data[0]) - expected) < 1e-6)
        #expect(opt.stepCount == 2)
    }

    @Test func minimisesAQuadraticThroughAutograd() {
        let target = Tensor([3, -1, 2, 0.5], shape: [4])
        let p = Tensor(zeros: [4], requiresGrad: true)
        let opt = AdamW(parameters: [p], learningRate: 0.05, weightDecay: 0)
        for _ in 0..<400 {
            opt.zeroGrad()
            Tensor.mse(p, target).backward()
            opt.step()
        }
        for (a, b) in zip(p.data, target.data) { #expect(abs(a - b) < 0.02) }
    }

    @Test func restoreRejectsMismatchedState() {
        let p = Tensor(zeros: [3], requiresGrad: true)
        let opt = AdamW(parameters: [p])
        #expect(throws: OptimizerStateError.self) { try opt.restore(step: 1, first: [[0, 0]], second: [[0, 0]]) }
    }
}

@Suite struct EMATests {
    @Test func warmupScheduleAndAverage() {
        let p = Tensor([0], shape: [1])
        let ema = EMA(parameters: [p], maxDecay: 0.999)
        #expect(abs(ema.currentDecay - 0.1) < 1e-7)   // (1+0)/(10+0)
        p.data = [10]; ema.update([p])
        #expect(abs(ema.shadow[0][0] - 9) < 1e-5)      // 0.1·0 + 0.9·10
        #expect(abs(ema.currentDecay - 2.0 / 11.0) < 1e-7)
        for _ in 0..<100_000 { ema.update([p]) }
        #expect(ema.currentDecay == 0.999)
        #expect(abs(ema.shadow[0][0] - 10) < 1e-3)
    }

    @Test func plainDecayWithoutWarmup() {
        let p = Tensor([0], shape: [1])
        let ema = EMA(parameters: [p], maxDecay: 0.9, warmup: false)
        p.data = [1]; ema.update([p])
        #expect(abs(ema.shadow[0][0] - 0.1) < 1e-7)
    }
}
