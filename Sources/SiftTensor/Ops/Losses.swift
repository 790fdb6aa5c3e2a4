import Foundation

/// Losses: cross-entropy over class logits and mean squared error, with gradients.

extension Tensor {
    /// Mean cross-entropy of `logits` `[N, C]` against integer `labels` (N of them, each in 0..<C).
    public static func crossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "crossEntropy: logits \(logits.shape) for \(labels.count) labels")
        let (n, c) = (logits.shape[0], logits.shape[1])
        precondition(labels.allSatisfy { $0 >= 0 && $0 < c }, "crossEntropy: label outside 0..<\(c)")
        let logp = withNoGrad { logits.logSoftmax() }.data
        var loss = 0.0
        for i in 0..<n { loss -= Double(logp[i * c + labels[i]]) }
        let mean = Float(loss / Double(Swift.max(n, 1)))
        return Tensor(scalar: mean).recording([logits]) { g in
            // d/dlogits = (softmax − onehot) / N
            let scale = g[0] / Float(Swift.max(n, 1))
            var grad = [Float](repeating: 0, count: n * c)
            for i in 0..<n {
                for j in 0..<c { grad[i * c + j] = (logp[i * c + j]).exponential * scale }
                grad[i * c + labels[i]] -= scale
            }
            logits.accumulateGrad(grad)
        }
    }

    /// Mean of (a − b)² over all elements (shapes must match).
    public static func mse(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "mse: shapes \(a.shape) and \(b.shape) differ")
        return (a - b).squared().mean()
    }
}

extension Float {
    @inline(__always) var exponential: Float { Float(Foundation.exp(Double(self))) }
}
