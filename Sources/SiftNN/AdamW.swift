import Foundation
import SiftTensor

/// AdamW (Loshchilov & Hutter): Adam with bias correction and decoupled weight decay, as
/// PyTorch's `torch.optim.AdamW`:
/// `θ ← θ − lr·wd·θ`, `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`,
/// `θ ← θ − lr · m̂ / (√v̂ + eps)` with `m̂ = m/(1−β1ᵗ)`, `v̂ = v/(1−β2ᵗ)`.
public final class AdamW {
    /// The tensors being optimised (their `grad` is read by ``step()``).
    public let parameters: [Tensor]
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// Number of updates applied so far.
    public private(set) var stepCount: Int = 0
    /// First and second moment estimates, one array per parameter.
    public private(set) var firstMoments: [[Float]]
    public private(set) var secondMoments: [[Float]]

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = firstMoments
    }

    /// Applies one update from the parameters' accumulated gradients (parameters without a
    /// gradient are only decayed, as in PyTorch they would be skipped: here they are skipped too).
    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let c1 = 1 - powf(beta1, t), c2 = 1 - powf(beta2, t)
        let (lr, b1, b2, eps, decay) = (learningRate, beta1, beta2, self.eps, 1 - learningRate * weightDecay)
        for (index, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            p.data.withUnsafeMutableBufferPointer { theta in
                firstMoments[index].withUnsafeMutableBufferPointer { m in
                    secondMoments[index].withUnsafeMutableBufferPointer { v in
                        g.withUnsafeBufferPointer { g in
                            // Elementwise, so spreading a large tensor over threads changes no bits.
                            guard let pt = theta.baseAddress, let pm = m.baseAddress, let pv = v.baseAddress, let pg = g.baseAddress else { return }
                            let (p, m, v, g) = (SharedPointer(pt), SharedPointer(pm), SharedPointer(pv), SharedConstPointer(pg))
                            parallelChunks(theta.count, minChunk: 16_384) { range in
                                for i in range {
                                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                                    let update = (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                                    p[i] = p[i] * decay - lr * update
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Restores moments and step count (from a checkpoint); counts must match the parameters.
    public func restore(step: Int, first: [[Float]], second: [[Float]]) throws {
        guard first.count == parameters.count, second.count == parameters.count,
              zip(first, parameters).allSatisfy({ $0.count == $1.count }),
              zip(second, parameters).allSatisfy({ $0.count == $1.count }) else {
            throw OptimizerStateError.mismatch(expected: parameters.map(\.count), got: first.map(\.count))
        }
        stepCount = step; firstMoments = first; secondMoments = second
    }
}

/// A saved optimiser state that does not fit the model it is loaded into.
public enum OptimizerStateError: Error, CustomStringConvertible {
    case mismatch(expected: [Int], got: [Int])
    public var description: String {
        switch self {
        case let .mismatch(e, g): return "optimiser state has tensors of sizes \(g), the model needs \(e)"
        }
    }
}

@inline(__always) func powf(_ x: Float, _ y: Float) -> Float { Float(Foundation.pow(Double(x), Double(y))) }
