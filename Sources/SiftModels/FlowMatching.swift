import SiftTensor

/// The linear flow-matching interpolant in SiT's code convention (reference C1): t = 0 is noise,
/// t = 1 is data, `x_t = t·x1 + (1 − t)·x0`, velocity target `x1 − x0`.
public enum FlowMatching {
    /// x_t for each sample (`x1`, `x0`: `count × perSample` values; `t`: count times).
    public static func interpolate(data x1: [Float], noise x0: [Float], t: [Float], perSample: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x1.count)
        for (i, ti) in t.enumerated() {
            for j in 0..<perSample {
                let k = i * perSample + j
                out[k] = ti * x1[k] + (1 - ti) * x0[k]
            }
        }
        return out
    }

    /// The velocity target `x1 − x0`.
    public static func velocityTarget(data x1: [Float], noise x0: [Float]) -> [Float] {
        zip(x1, x0).map { $0 - $1 }
    }

    /// Data prediction from a velocity: `x̂1 = x_t + (1 − t)·v`.
    public static func dataPrediction(x: [Float], velocity v: [Float], t: [Float], perSample: Int) -> [Float] {
        var out = x
        for (i, ti) in t.enumerated() {
            for j in 0..<perSample { out[i * perSample + j] += (1 - ti) * v[i * perSample + j] }
        }
        return out
    }

    /// Exact forward noising from level t to an earlier level s < t along the linear path:
    /// given x_t = t·x1 + (1−t)·x0, `x_s = (s/t)·x_t + √((1−s)² − (s/t)²(1−t)²)·ε` has the
    /// marginal of s·x1 + (1−s)·x0. Used by path search to step back towards noise.
    public static func renoise(_ x: [Float], from t: Float, to s: Float, noise: [Float]) -> [Float] {
        precondition(s <= t && t > 0, "renoise: need 0 ≤ s ≤ t, t > 0 (got t = \(t), s = \(s))")
        let ratio = s / t
        let sigma = max(0, (1 - s) * (1 - s) - ratio * ratio * (1 - t) * (1 - t)).squareRoot()
        return zip(x, noise).map { ratio * $0 + sigma * $1 }
    }
}
