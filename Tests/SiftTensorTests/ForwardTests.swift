import Foundation
import Testing
@testable import SiftTensor

/// Forward values against numpy (Tests/Fixtures/tensor/make_forward_fixtures.py → forward.json).
@Suite struct ForwardFixtures {
    static let fixture: [String: [Double]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/tensor/forward.json").standardized
        let json = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return json.compactMapValues { ($0 as? [NSNumber])?.map(\.doubleValue) }
    }()
    static func values(_ key: String) -> [Float] { fixture[key]!.map(Float.init) }

    let x = Tensor(ramp(24), shape: [2, 3, 4])

    @Test func inputsMatchTheScript() { expectClose(x.data, Self.values("x"), tol: 1e-6) }
    @Test func softmax() { expectClose(x.softmax().data, Self.values("softmax"), tol: 1e-6) }
    @Test func logSoftmax() { expectClose(x.logSoftmax().data, Self.values("log_softmax"), tol: 1e-6) }
    @Test func gelu() { expectClose(x.gelu().data, Self.values("gelu"), tol: 1e-6) }
    @Test func layerNorm() {
        expectClose(x.layerNorm().data, Self.values("layer_norm"), tol: 1e-5)
        let w = Tensor(ramp(4, 0.9, 0.3), shape: [4]), b = Tensor(ramp(4, 0.5, 1.0), shape: [4])
        expectClose(x.layerNorm(weight: w, bias: b).data, Self.values("layer_norm_affine"), tol: 1e-5)
    }
    @Test func conv2d() {
        let img = Tensor(ramp(80, 0.23, 0.5), shape: [2, 2, 5, 4])
        let ker = Tensor(ramp(54, 0.41, 0.2), shape: [3, 2, 3, 3])
        let bias = Tensor(ramp(3, 1.3, 0.7), shape: [3])
        expectClose(img.data, Self.values("conv_input"), tol: 1e-6)
        let y = Tensor.conv2d(img, weight: ker, bias: bias, stride: 2, padding: 1)
        #expect(y.shape == Self.fixture["conv2d_shape"]!.map { Int($0) })
        expectClose(y.data, Self.values("conv2d"), tol: 1e-5)
    }

    @Test func handComputedSoftmaxAndGelu() {
        let s = Tensor([0, Float(log(3.0))], shape: [2]).softmax().data
        expectClose(s, [0.25, 0.75], tol: 1e-6)
        expectClose(Tensor([0, 1], shape: [2]).gelu().data, [0, 0.841192], tol: 1e-5)
    }

    @Test func broadcastingValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), b = Tensor([10, 20], shape: [2, 1])
        #expect((a + b).data == [11, 12, 13, 24, 25, 26])
        #expect((a * Tensor([1, 0, -1], shape: [3])).data == [1, 0, -3, 4, 0, -6])
        #expect(a.sum(axes: [0]).data == [5, 7, 9])
        #expect(a.max(axes: [1]).data == [3, 6])
        #expect(a.permuted([1, 0]).data == [1, 4, 2, 5, 3, 6])
        #expect(Tensor.concat([a, b], axis: 1).data == [1, 2, 3, 10, 4, 5, 6, 20])
    }

    /// Permutes, bias-gradient sums and the adaLN backward sums large enough to be split over threads
    /// give the element-by-element reference's values, each sum in the reference's order.
    @Test func largeShapeOpsMatchTheirSerialReferences() {
        let shape = [8, 49, 3, 4, 24], order = [2, 0, 3, 1, 4]  // SiT-S's qkv permute at batch 8
        let x = Tensor(Philox(seed: 8).normals(shape.product), shape: shape)
        let y = x.permuted(order)
        var expected = [Float](), index = [Int](repeating: 0, count: 5)
        for a in 0..<3 { for b in 0..<8 { for c in 0..<4 { for d in 0..<49 { for e in 0..<24 {
            index = [b, d, a, c, e]
            expected.append(x.data[(((index[0] * 49 + index[1]) * 3 + index[2]) * 4 + index[3]) * 24 + index[4]])
        } } } } }
        #expect(y.data == expected)
        let rows = 3_000, columns = 40
        let g = Philox(seed: 9).normals(rows * columns)
        var columnSums = [Float](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { columnSums[c] += g[r * columns + c] } }
        #expect(Broadcast.sum(g, from: [rows, columns], to: [columns]) == columnSums)
        let (n, t, d) = (8, 49, 96), a = Philox(seed: 10).normals(n * t * d), b = Philox(seed: 11).normals(n * t * d)
        var sums = [Float](repeating: 0, count: n * d), reference = sums
        for i in 0..<n { for j in 0..<t { for k in 0..<d { reference[i * d + k] += a[(i * t + j) * d + k] * b[(i * t + j) * d + k] } } }
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in sums.withUnsafeMutableBufferPointer {
            AdaLNKernel.tokenSums(pa.baseAddress!, times: pb.baseAddress!, into: $0.baseAddress!, n: n, t: t, d: d)
        } } }
        #expect(sums == reference)
    }

    @Test func largeTensorsGiveTheSameResultWhateverTheSplit() {
        // 3,000 rows are processed in parallel chunks; each half on its own gives the same rows.
        let n = 300_000
        let a = Tensor(Philox(seed: 5).normals(n), shape: [n / 100, 100])
        let b = Tensor(Philox(seed: 6).normals(100), shape: [100])
        let whole = (a * b).gelu().softmax().data
        let halves = [a.slice(axis: 0, 0..<1_500), a.slice(axis: 0, 1_500..<3_000)].flatMap { ($0 * b).gelu().softmax().data }
        #expect(whole == halves)
    }
}
