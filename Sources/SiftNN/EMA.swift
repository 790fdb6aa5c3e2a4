import SiftTensor

/// Exponential moving average of parameters, with the warm-up schedule of DESIGN.md §2.3:
/// after n updates the decay is `min(maxDecay, (1 + n)/(10 + n))`, so early averages follow the
/// model closely instead of staying near its zero initialisation.
public final class EMA {
    /// The averaged values, one array per tracked parameter.
    public private(set) var shadow: [[Float]]
    /// Upper bound of the decay (e.g. 0.999).
    public let maxDecay: Float
    /// Whether to use the warm-up schedule; without it the decay is always `maxDecay`.
    public let warmup: Bool
    /// Number of updates so far.
    public private(set) var updates: Int = 0

    /// Starts the average at the parameters' current values.
    public init(parameters: [Tensor], maxDecay: Float = 0.999, warmup: Bool = true) {
        shadow = parameters.map(\.data)
        self.maxDecay = maxDecay
        self.warmup = warmup
    }

    /// The decay used by the next update.
    public var currentDecay: Float {
        warmup ? min(maxDecay, Float(1 + updates) / Float(10 + updates)) : maxDecay
    }

    /// shadow ← d·shadow + (1 − d)·θ
    public func update(_ parameters: [Tensor]) {
        precondition(parameters.count == shadow.count, "EMA: \(parameters.count) parameters, tracking \(shadow.count)")
        let d = currentDecay
        for (i, p) in parameters.enumerated() {
            p.data.withUnsafeBufferPointer { theta in
                shadow[i].withUnsafeMutableBufferPointer { s in
                    for j in 0..<s.count { s[j] = d * s[j] + (1 - d) * theta[j] }
                }
            }
        }
        updates += 1
    }

    /// Restores a saved average (from a checkpoint).
    public func restore(shadow: [[Float]], updates: Int) throws {
        guard shadow.count == self.shadow.count, zip(shadow, self.shadow).allSatisfy({ $0.count == $1.count }) else {
            throw OptimizerStateError.mismatch(expected: self.shadow.map(\.count), got: shadow.map(\.count))
        }
        self.shadow = shadow
        self.updates = updates
    }
}
