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

    /// The 16-lane exp (softmax's) must give the scalar exp's bits everywhere: a sweep of bit
    /// patterns over [−100, 100], the clamps, non-finite values, and inputs whose x·log₂e lands on
    /// or next to a rounding tie k + ½ (where a differently rounded n would change the result).
    @Test func sixteenLaneExpGivesTheScalarBits() {
        var inputs: [Float] = [0, -0, .nan, .infinity, -.infinity, -87.3, 88.3, -87.30001, 88.30001, 1e-30, -1e-30]
        for sign: UInt32 in [0, 0x8000_0000] {
            for bits in stride(from: UInt32(0), through: 0x42C8_0000, by: 211) { inputs.append(Float(bitPattern: bits | sign)) }
        }
        for k in -130...130 {
            let tie = (Float(k) + 0.5) / 1.442_695_04
            var x = tie.nextDown.nextDown
            for _ in 0..<5 { inputs.append(x); x = x.nextUp }
        }
        while inputs.count % 16 != 0 { inputs.append(1) }
        var mismatches = 0
        for start in stride(from: 0, to: inputs.count, by: 16) {
            let v = FastMath.exp(matchingScalar: FastMath.Vector16((0..<16).map { inputs[start + $0] }))
            for lane in 0..<16 where v[lane].bitPattern != FastMath.exp(inputs[start + lane]).bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(mismatches) of \(inputs.count) lanes differ from the scalar exp")
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

    /// ``Kernels/map`` sends whole 16-float vectors, then one 8-float step, through the vector form
    /// and only the last `count mod 8` elements through the scalar form; a value's bits do not
    /// depend on its lane.
    @Test func mapTakesTheVectorFormForAllButTheLastFewElements() {
        let count = 3 * 16 + 8 + 5
        let x = (0..<count).map { Float($0) * 0.173 - 4.9 }
        var y = [Float](repeating: .nan, count: count)
        Kernels.map(UnaryOps.GELU(), x, &y, count: count)
        for i in 0..<count {
            let expected: Float
            if i < count - 5 {
                // Element i in every lane of a vector of otherwise different values.
                var v = SIMD16<Float>((0..<16).map { Float($0) - 8 })
                let lane = i % 16
                v[lane] = x[i]
                expected = Activations.gelu(v)[lane]
            } else {
                expected = Activations.gelu(x[i])
            }
            #expect(y[i].bitPattern == expected.bitPattern, "element \(i)")
        }
    }
}
