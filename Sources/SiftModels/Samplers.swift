import SiftTensor

/// ODE and SDE samplers of the linear flow (reference C3–C4), integrating t upwards from noise
/// (t = 0) to data (t = 1) on a uniform grid, between any two times, so that search algorithms
/// can start and stop mid-way.
public enum Solver: String, Codable, Sendable, CaseIterable {
    /// Euler ODE: S steps cost S velocity calls.
    case euler
    /// Heun ODE (2nd order); the last step is an Euler step, so S steps cost 2S − 1 calls.
    case heun
    /// Euler–Maruyama SDE in SiT's default form (diffusion w(t) = 1 − t): drift (1 + t)·v − x,
    /// noise √(2(1 − t)·dt)·z. Reaching t = 1 ends with SiT's deterministic "Mean" last step of
    /// size 0.04 (counted in the S calls).
    case sde

    /// Velocity calls of `steps` steps.
    public func calls(steps: Int) -> Int { self == .heun ? max(0, 2 * steps - 1) : steps }
}

public enum Sampler {
    /// SiT's last-step size for the SDE.
    public static let sdeLastStep: Float = 0.04

    /// Integrates `x` (at time `from`, all samples) to time `to` in `steps` uniform steps.
    /// `noise(step)` supplies the SDE's standard-normal draws for a step (same shape as `x`),
    /// so callers can key them per candidate; ODE solvers never call it. `observe(step, t, x, v)`
    /// sees each step's state and its first velocity (e.g. to read the data prediction
    /// x + (1 − t)·v at some step without an extra network call).
    public static func solve(_ x0: Tensor, labels: [Int], from t0: Float, to t1: Float, steps: Int,
                             solver: Solver, denoiser: Denoiser, noise: (Int) -> [Float] = { _ in [] },
                             observe: ((_ step: Int, _ t: Float, _ x: Tensor, _ velocity: Tensor) -> Void)? = nil) -> Tensor {
        precondition(steps >= 1 && t0 <= t1 && t0 >= 0 && t1 <= 1, "solve: \(steps) steps from \(t0) to \(t1)")
        let n = x0.shape[0]
        var x = x0
        func times(_ t: Float) -> [Float] { [Float](repeating: t, count: n) }
        switch solver {
        case .euler, .heun:
            let dt = (t1 - t0) / Float(steps)
            for i in 0..<steps {
                let t = t0 + Float(i) * dt
                let k1 = denoiser.velocity(x, t: times(t), labels: labels)
                observe?(i, t, x, k1)
                let predictor = axpy(x, k1, dt)
                if solver == .euler || i == steps - 1 {
                    x = predictor
                } else {
                    let k2 = denoiser.velocity(predictor, t: times(t + dt), labels: labels)
                    x = Tensor(zip3(x.data, k1.data, k2.data) { $0 + 0.5 * dt * ($1 + $2) }, shape: x.shape)
                }
            }
        case .sde:
            let reachesData = t1 >= 1
            let end = reachesData ? 1 - sdeLastStep : t1
            let stochastic = reachesData ? steps - 1 : steps
            let dt = stochastic > 0 ? (end - t0) / Float(stochastic) : 0
            for i in 0..<stochastic {
                let t = t0 + Float(i) * dt
                let v = denoiser.velocity(x, t: times(t), labels: labels)
                observe?(i, t, x, v)
                let z = noise(i)
                precondition(z.count == x.count, "sde: noise for step \(i) has \(z.count) values, need \(x.count)")
                let scale = (2 * (1 - t) * dt).squareRoot()
                x = Tensor(zip3(x.data, v.data, z) { xv, vv, zv in xv + ((1 + t) * vv - xv) * dt + scale * zv }, shape: x.shape)
            }
            if reachesData {
                // "Mean" last step: drift only, from t = 1 − h with step h.
                let t = end, h = 1 - end
                let v = denoiser.velocity(x, t: times(t), labels: labels)
                observe?(stochastic, t, x, v)
                x = Tensor(zip(x.data, v.data).map { $0 + ((1 + t) * $1 - $0) * h }, shape: x.shape)
            }
        }
        return x
    }

    /// Index of the solver step whose start time is nearest `time`, for `steps` steps of `solver`
    /// from `t0` to `t1` (a data prediction can be read there from the step's own velocity call).
    /// ODE grids are uniform; an SDE solve reaching data has `steps − 1` uniform steps to
    /// 1 − ``sdeLastStep`` and its last step starts there.
    public static func nearestStep(to time: Float, steps: Int, solver: Solver, from t0: Float = 0, to t1: Float = 1) -> Int {
        let starts: [Float]
        if solver == .sde && t1 >= 1 {
            let end = 1 - sdeLastStep, stochastic = steps - 1
            let dt = stochastic > 0 ? (end - t0) / Float(stochastic) : 0
            starts = (0..<stochastic).map { t0 + Float($0) * dt } + [end]
        } else {
            let dt = (t1 - t0) / Float(steps)
            starts = (0..<steps).map { t0 + Float($0) * dt }
        }
        return starts.indices.min { abs(starts[$0] - time) < abs(starts[$1] - time) } ?? 0
    }

    static func axpy(_ x: Tensor, _ v: Tensor, _ dt: Float) -> Tensor {
        Tensor(zip(x.data, v.data).map { $0 + dt * $1 }, shape: x.shape)
    }

    static func zip3(_ a: [Float], _ b: [Float], _ c: [Float], _ f: (Float, Float, Float) -> Float) -> [Float] {
        var out = [Float](repeating: 0, count: a.count)
        for i in 0..<a.count { out[i] = f(a[i], b[i], c[i]) }
        return out
    }
}
