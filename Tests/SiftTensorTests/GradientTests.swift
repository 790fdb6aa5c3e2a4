import Testing
@testable import SiftTensor

/// Finite-difference checks of every differentiable primitive.
@Suite struct ArithmeticGradients {
    static let shapePairs: [([Int], [Int])] = [
        ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([2, 3, 4], [1]),
        ([2, 1, 4], [3, 1]), ([4], [2, 3, 4]),
    ]

    @Test(arguments: 0..<shapePairs.count) func addSubMulDivBroadcast(pair: Int) {
        let (sa, sb) = Self.shapePairs[pair]
        let a = param(sa, seed: 1), b = param(sb, seed: 2, scale: 0.3, offset: 2)
        gradCheck([a, b]) { a + b }
        gradCheck([a, b]) { a - b }
        gradCheck([a, b]) { a * b }
        gradCheck([a, b]) { a / b }
    }

    @Test func scalarOperations() {
        let a = param([3, 5], seed: 3)
        gradCheck([a]) { (a * 3 + 1.5) / 2 - 0.25 }
        gradCheck([a]) { -a }
    }

    @Test func tensorUsedTwiceAccumulates() {
        let x = param([2, 3], seed: 4), y = param([3], seed: 5)
        gradCheck([x, y]) { x * x + (x * y).tanh() - x.exp() * y }
        // d/dx of sum(x + x) is exactly 2.
        x.zeroGrad()
        (x + x).sum().backward()
        #expect(x.grad == [Float](repeating: 2, count: 6))
    }
}

@Suite struct ElementwiseGradients {
    @Test func smoothFunctions() {
        let a = param([4, 6], seed: 6)
        let positive = param([4, 6], seed: 7, scale: 0.2, offset: 1.5)
        gradCheck([a]) { a.exp() }
        gradCheck([positive]) { positive.log() }
        gradCheck([positive]) { positive.sqrt() }
        gradCheck([a]) { a.squared() }
        gradCheck([a]) { a.tanh() }
        gradCheck([a]) { a.sigmoid() }
        gradCheck([a]) { a.silu() }
        gradCheck([a]) { a.gelu() }
    }

    @Test func relu() {
        let a = param([5, 7], seed: 8, awayFromZero: true)
        gradCheck([a], eps: 1e-3) { a.relu() }
    }
}

@Suite struct ReductionGradients {
    @Test(arguments: [0, 1, 2, -1]) func sumMeanMaxOverEachAxis(axis: Int) {
        let a = param([2, 3, 4], seed: 9)
        for keep in [false, true] {
            gradCheck([a]) { a.sum(axes: [axis], keepDims: keep) }
            gradCheck([a]) { a.mean(axes: [axis], keepDims: keep) }
            gradCheck([a], eps: 1e-3) { a.max(axes: [axis], keepDims: keep) }
        }
    }

    @Test func multipleAndAllAxes() {
        let a = param([2, 3, 4], seed: 10)
        gradCheck([a]) { a.sum(axes: [0, 2]) }
        gradCheck([a]) { a.mean(axes: [1, 2], keepDims: true) }
        gradCheck([a]) { a.sum() }
        gradCheck([a]) { a.mean() }
        #expect(a.sum(axes: [0, 2]).shape == [3])
        #expect(a.max(axes: [1], keepDims: true).shape == [2, 1, 4])
    }
}

@Suite struct NormalisationGradients {
    @Test func softmaxAndLogSoftmax() {
        let a = param([3, 2, 5], seed: 11)
        gradCheck([a]) { a.softmax() }
        gradCheck([a]) { a.logSoftmax() }
    }

    @Test func layerNormPlainAndAffine() {
        let x = param([3, 4, 6], seed: 12), w = param([6], seed: 13), b = param([6], seed: 14)
        gradCheck([x]) { x.layerNorm() }
        gradCheck([x, w, b]) { x.layerNorm(weight: w, bias: b) }
        gradCheck([x, w]) { x.layerNorm(weight: w) }
    }
}

@Suite struct ShapeGradients {
    @Test func reshapePermuteTranspose() {
        let a = param([2, 3, 4], seed: 15)
        gradCheck([a]) { a.reshaped([6, 4]) * a.reshaped([6, -1]) }
        gradCheck([a]) { a.permuted([2, 0, 1]) }
        gradCheck([a]) { a.transposed(0, 2) }
        gradCheck([a]) { a.transposed() }
    }

    @Test func sliceConcatChunk() {
        let a = param([2, 5, 3], seed: 16), b = param([2, 2, 3], seed: 17)
        gradCheck([a]) { a.slice(axis: 1, 1..<4) }
        gradCheck([a, b]) { Tensor.concat([a, b, a], axis: 1) }
        gradCheck([a]) { let p = a.chunk(3, axis: 2); return p[0] * p[2] + p[1] }
    }

    @Test func embedding() {
        let table = param([5, 3], seed: 18)
        gradCheck([table]) { Tensor.embedding([4, 0, 4, 2], shape: [2, 2], table: table) }
    }
}

@Suite struct ProductGradients {
    @Test func matmulVariants() {
        let a = param([3, 4], seed: 19), b = param([4, 5], seed: 20)
        gradCheck([a, b]) { Tensor.matmul(a, b) }
        let at = param([4, 3], seed: 21), bt = param([5, 4], seed: 22)
        gradCheck([at, b]) { Tensor.matmul(at, b, transposeA: true) }
        gradCheck([a, bt]) { Tensor.matmul(a, bt, transposeB: true) }
        gradCheck([at, bt]) { Tensor.matmul(at, bt, transposeA: true, transposeB: true) }
    }

    @Test func batchedAndShared() {
        let a = param([2, 3, 3, 4], seed: 23), b = param([2, 3, 4, 2], seed: 24), w = param([4, 2], seed: 25)
        gradCheck([a, b]) { Tensor.matmul(a, b) }
        gradCheck([a, w]) { Tensor.matmul(a, w) }  // shared right operand (flattened)
        let wt = param([2, 4], seed: 26)
        gradCheck([a, wt]) { Tensor.matmul(a, wt, transposeB: true) }
        let left = param([5, 3], seed: 27)
        gradCheck([left, a]) { Tensor.matmul(left, a) }  // shared left operand
        let at = param([2, 3, 4, 3], seed: 28)
        gradCheck([at, w]) { Tensor.matmul(at, w, transposeA: true) }
    }

    @Test func linear() {
        let x = param([2, 3, 4], seed: 29), w = param([5, 4], seed: 30), b = param([5], seed: 31)
        gradCheck([x, w, b]) { Tensor.linear(x, weight: w, bias: b) }
        gradCheck([x, w]) { Tensor.linear(x, weight: w, bias: nil) }
    }

    @Test(arguments: [(1, 1), (2, 0), (2, 1), (1, 0)]) func conv2d(stride: Int, padding: Int) {
        let x = param([2, 2, 5, 6], seed: 32), w = param([3, 2, 3, 3], seed: 33), b = param([3], seed: 34)
        gradCheck([x, w, b]) { Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: padding) }
    }

    @Test func maxPool() {
        let x = param([2, 2, 4, 5], seed: 35)
        gradCheck([x], eps: 1e-3) { x.maxPool2x2() }
        #expect(x.maxPool2x2().shape == [2, 2, 2, 2])
        // Without gradients (no window positions kept, planes spread over threads) the same values.
        #expect(withNoGrad { x.maxPool2x2() }.data == x.maxPool2x2().data)
        let big = Tensor(Philox(seed: 39).normals(4 * 64 * 14 * 14), shape: [4, 64, 14, 14])  // enough planes for two threads
        let pooled = withNoGrad { big.maxPool2x2() }.data
        for p in [0, 100, 255] { for y in 0..<7 { for xx in 0..<7 {
            let at = { (dy: Int, dx: Int) in big.data[(p * 14 + 2 * y + dy) * 14 + 2 * xx + dx] }
            #expect(pooled[(p * 7 + y) * 7 + xx] == Swift.max(Swift.max(at(0, 0), at(0, 1)), Swift.max(at(1, 0), at(1, 1))))
        } } }
    }

    @Test func attention() {
        let q = param([2, 2, 5, 3], seed: 36), k = param([2, 2, 5, 3], seed: 37), v = param([2, 2, 5, 3], seed: 38)
        gradCheck([q, k, v]) { Tensor.attention(q, k, v) }
        // Matches the composed form softmax(q kᵀ/√d) v.
        let composed = withNoGrad { Tensor.matmul((Tensor.matmul(q, k, transposeB: true) * (1 / Float(3).squareRoot())).softmax(), v) }
        expectClose(withNoGrad { Tensor.attention(q, k, v) }.data, composed.data, tol: 1e-5)
    }

    /// Attention read from a fused `[N, T, 3D]` projection equals, bit for bit and in both
    /// directions, the permute → chunk → attention → permute composition it replaces: at SiT-S's
    /// head shape (49 tokens of 24, the fused kernel) and at a tiny one (the BLAS path).
    @Test(arguments: [(2, 49, 4, 24), (2, 5, 2, 3)]) func attentionFromPackedQKV(shape: (Int, Int, Int, Int)) {
        let (n, t, heads, hd) = shape, d = heads * hd
        let weights = param([n, t, d], seed: 91)
        func run(_ body: (Tensor) -> Tensor) -> (values: [Float], grad: [Float]) {
            let qkv = param([n, t, 3 * d], seed: 90)
            let out = body(qkv)
            (out * weights).sum().backward()
            return (out.data, qkv.grad!)
        }
        let packed = run { Tensor.attention(qkv: $0, heads: heads) }
        let composed = run { qkv in
            let parts = qkv.reshaped([n, t, 3, heads, hd]).permuted([2, 0, 3, 1, 4]).chunk(3, axis: 0).map { $0.reshaped([n, heads, t, hd]) }
            return Tensor.attention(parts[0], parts[1], parts[2]).permuted([0, 2, 1, 3]).reshaped([n, t, d])
        }
        #expect(packed.values.map(\.bitPattern) == composed.values.map(\.bitPattern))
        #expect(packed.grad.map(\.bitPattern) == composed.grad.map(\.bitPattern))
        #expect(withNoGrad { Tensor.attention(qkv: param([n, t, 3 * d], seed: 90), heads: heads) }.data == packed.values)
        if t < 10 { let qkv = param([n, t, 3 * d], seed: 92); gradCheck([qkv]) { Tensor.attention(qkv: qkv, heads: heads) } }
    }
}

@Suite struct LossGradients {
    @Test func crossEntropy() {
        let logits = param([4, 5], seed: 39)
        gradCheck([logits]) { Tensor.crossEntropy(logits, labels: [0, 4, 2, 2]) }
        // Against the composed definition −mean(log_softmax[label]).
        let composed = withNoGrad { logits.logSoftmax() }.data
        let expected = -(composed[0] + composed[9] + composed[12] + composed[17]) / 4
        #expect(abs(Tensor.crossEntropy(logits, labels: [0, 4, 2, 2]).item - expected) < 1e-6)
    }

    @Test func mse() {
        let a = param([3, 4], seed: 40), b = param([3, 4], seed: 41)
        gradCheck([a, b]) { Tensor.mse(a, b) }
        #expect(abs(Tensor.mse(a, a).item) < 1e-12)
    }
}

@Suite struct NoGradMode {
    @Test func noGraphInsideNoGrad() {
        let a = param([3], seed: 42)
        let y = withNoGrad { (a * a).sum() }
        #expect(!y.requiresGrad && y.node == nil)
        let z = (a * a).sum()
        #expect(z.requiresGrad && z.node != nil)
    }
}

@Suite struct ModulationGradients {
    @Test func modulateAndGatedResidual() {
        let x = param([2, 3, 4], seed: 43), shift = param([2, 4], seed: 44), scale = param([2, 4], seed: 45)
        gradCheck([x, shift, scale]) { Tensor.modulate(x, shift: shift, scale: scale) }
        let y = param([2, 3, 4], seed: 46), gate = param([2, 4], seed: 47)
        gradCheck([x, gate, y]) { Tensor.gatedResidual(x, gate: gate, y) }
        // Against the broadcasting composition.
        let composed = withNoGrad { x * (scale.reshaped([2, 1, 4]) + 1) + shift.reshaped([2, 1, 4]) }
        expectClose(withNoGrad { Tensor.modulate(x, shift: shift, scale: scale) }.data, composed.data, tol: 1e-6)
    }

    /// An empty batch goes through forward and backward, its gradients empty.
    @Test func anEmptyBatchHasEmptyGradients() {
        let x = param([0, 3, 4], seed: 48), shift = param([0, 4], seed: 49), scale = param([0, 4], seed: 50), gate = param([0, 4], seed: 51)
        Tensor.gatedResidual(x, gate: gate, Tensor.modulate(x, shift: shift, scale: scale)).sum().backward()
        #expect(x.grad?.count ?? 0 == 0 && shift.grad?.count ?? 0 == 0 && gate.grad?.count ?? 0 == 0)
    }
}
