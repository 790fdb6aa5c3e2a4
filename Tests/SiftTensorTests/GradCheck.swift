import Foundation
import Testing
@testable import SiftTensor

/// Deterministic test values: a smooth, sign-changing ramp (the same formula as the Python fixtures).
func ramp(_ n: Int, _ a: Double = 0.37, _ b: Double = 0.11) -> [Float] {
    (0..<n).map { Float(sin(a * Double($0) + b) * 1.5) }
}

/// A tracked input tensor with values from the test RNG, optionally kept away from `avoid` (kinks).
func param(_ shape: [Int], seed: UInt64, scale: Float = 1, offset: Float = 0, awayFromZero: Bool = false) -> Tensor {
    var v = Philox(seed: seed).normals(shape.product).map { $0 * scale + offset }
    if awayFromZero { v = v.map { abs($0) < 0.05 ? ($0 < 0 ? -0.3 : 0.3) : $0 } }
    return Tensor(v, shape: shape, requiresGrad: true)
}

/// Compares autograd gradients of Σ f(inputs)·w (w random) with central finite differences for
/// every input element (or a sample of 60 per input). Returns the largest violation ratio found
/// (≤ 1 passes): |analytic − numeric| / (atol + rtol·max(|analytic|, |numeric|)).
@discardableResult
func gradCheck(_ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 2e-3, rtol: Float = 2e-2,
               sourceLocation: SourceLocation = #_sourceLocation, _ f: () -> Tensor) -> Float {
    let probe = withNoGrad { f() }
    let w = Philox(seed: 99, stream: 7).normals(probe.count)
    func loss() -> Double {
        let out = withNoGrad { f() }
        return zip(out.data, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    for x in inputs { x.zeroGrad() }
    let out = f()
    out.backward(seed: w)
    var worst: Float = 0
    for (which, x) in inputs.enumerated() {
        let analytic = x.grad ?? [Float](repeating: 0, count: x.count)
        let step = max(1, x.count / 60)
        for i in stride(from: 0, to: x.count, by: step) {
            let saved = x.data[i]
            x.data[i] = saved + eps; let up = loss()
            x.data[i] = saved - eps; let down = loss()
            x.data[i] = saved
            let numeric = Float((up - down) / (2 * Double(eps)))
            let ratio = abs(analytic[i] - numeric) / (atol + rtol * max(abs(analytic[i]), abs(numeric)))
            worst = max(worst, ratio)
            if ratio > 1 {
                Issue.record("input \(which) element \(i): analytic \(analytic[i]) vs numeric \(numeric)",
                             sourceLocation: sourceLocation)
                return ratio
            }
        }
    }
    return worst
}

/// Asserts two float arrays agree elementwise within `tol` (absolute + relative).
func expectClose(_ a: [Float], _ b: [Float], tol: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "counts \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > tol * (1 + abs(y)) {
        Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}
