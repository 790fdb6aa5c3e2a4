import Foundation
import Testing
@testable import SiftTensor

@Suite struct FastMathAccuracy {
    @Test func expAgainstLibm() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let ref = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(FastMath.exp(x)) - ref) / ref)
            x += 0.0137
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(FastMath.exp(0) == 1)
        #expect(FastMath.exp(-1000) >= 0 && FastMath.exp(-1000) < 1e-37)
        #expect(FastMath.exp(1000).isFinite)
        // NaN takes the low clamp instead of trapping in the exponent conversion (a NaN guidance
        // scale once crashed softmax here); the NaN is caught where samples are checked.
        #expect(FastMath.exp(.nan) < 1e-37 && FastMath.exp(-.infinity) < 1e-37 && FastMath.exp(.infinity).isFinite)
        var row: [Float] = [.nan, 1, 2, .nan]
        row.withUnsafeMutableBufferPointer { RowKernels.softmax($0.baseAddress!, 4) }
        #expect(row.count == 4)
    }

    @Test func tanhAgainstLibm() {
        var worst: Double = 0
        var x: Float = -12
        while x < 12 {
            worst = max(worst, abs(Double(FastMath.tanh(x)) - Foundation.tanh(Double(x))))
            x += 0.00731
        }
        #expect(worst < 3e-7, "worst absolute error \(worst)")
        #expect(FastMath.tanh(0) == 0)
    }
}
