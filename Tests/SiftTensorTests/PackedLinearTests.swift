import Testing
@testable import SiftTensor

/// The packed linear layer must reproduce the BLAS path bit for bit (so fused inference gives the
/// samples the committed results were drawn with), with every epilogue equal to the unfused pass,
/// whatever the row count and thread count.
@Suite(.serialized) struct PackedLinearTests {
    /// (rows, inFeatures, outFeatures): SiT layers at batch 1 and 64 (adaLN, qkv, proj, MLP, final),
    /// depths past one and two ``BLAS/stableDepth`` chunks, widths that leave part of a panel.
    static let shapes: [(Int, Int, Int)] = [
        (1, 96, 576), (49, 96, 288), (49, 16, 96), (3136, 96, 384), (3136, 384, 96), (3136, 640, 160),
        (50, 160, 16), (13, 20, 10), (9, 800, 40), (7, 385, 33), (392, 128, 768),
    ]

    /// The expected output: BLAS.linear's where OpenBLAS rounds as Sift's kernels (SkylakeX
    /// kernels), else the rounding itself computed one scalar at a time (``chainReference``).
    func reference(_ x: [Float], _ w: [Float], _ b: [Float]?, rows: Int, inF: Int, outF: Int) -> [Float] {
        guard BLASCore.openBLASMatchesOwnKernels else { return chainReference(x, w, b, rows: rows, inF: inF, outF: outF) }
        var out = [Float](repeating: 0, count: rows * outF)
        x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in out.withUnsafeMutableBufferPointer { po in
            if let b {
                b.withUnsafeBufferPointer { BLAS.linear(px.baseAddress!, rows: rows, weight: pw.baseAddress!, bias: $0.baseAddress!,
                                                        inFeatures: inF, outFeatures: outF, out: po.baseAddress!) }
            } else {
                BLAS.linear(px.baseAddress!, rows: rows, weight: pw.baseAddress!, bias: nil, inFeatures: inF, outFeatures: outF,
                            out: po.baseAddress!)
            }
        } } }
        return out
    }

    /// Each output as one fused multiply-add chain per ``BLAS/stableDepth`` chunk in depth order,
    /// starting from zero, added to the bias and then to the earlier chunks.
    func chainReference(_ x: [Float], _ w: [Float], _ b: [Float]?, rows: Int, inF: Int, outF: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * outF)
        for r in 0..<rows { for j in 0..<outF {
            var total: Float? = b?[j]
            for start in stride(from: 0, to: inF, by: BLAS.stableDepth) {
                var chain: Float = 0
                for p in start..<Swift.min(inF, start + BLAS.stableDepth) { chain = chain.addingProduct(x[r * inF + p], w[j * inF + p]) }
                total = total.map { chain + $0 } ?? chain
            }
            out[r * outF + j] = total ?? 0
        } }
        return out
    }

    func packed(_ layer: PackedLinear, _ x: [Float], rows: Int, into out: inout [Float], _ epilogue: PackedLinear.Epilogue = .store) {
        x.withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { po in
            layer.apply(px.baseAddress!, rows: rows, out: po.baseAddress!, epilogue: epilogue)
        } }
    }

    @Test(arguments: shapes)
    func equalsTheBLASPathBitForBit(shape: (Int, Int, Int)) {
        let (rows, inF, outF) = shape
        let threads = Threads.count
        defer { Threads.set(threads) }
        let x = Philox(seed: 1).normals(rows * inF), w = Philox(seed: 2).normals(outF * inF).map { $0 * 0.1 }
        let b = Philox(seed: 3).normals(outF)
        for bias in [b, nil] {
            let expected = reference(x, w, bias, rows: rows, inF: inF, outF: outF)
            let layer = PackedLinear(weight: w, bias: bias, inFeatures: inF, outFeatures: outF)
            for t in Set([1, 2, threads]) {
                Threads.set(t)
                var out = [Float](repeating: .nan, count: rows * outF)
                packed(layer, x, rows: rows, into: &out)
                #expect(out == expected, "\(rows)×\(inF)→\(outF), bias \(bias != nil), \(t) threads")
                // A leading subset of the rows gives the same rows (batch-size invariance).
                let some = Swift.max(1, rows / 3)
                var part = [Float](repeating: .nan, count: some * outF)
                packed(layer, x, rows: some, into: &part)
                #expect(part == Array(expected.prefix(some * outF)), "\(some) of \(rows) rows, \(t) threads")
            }
        }
    }

    @Test func geluEpilogueEqualsTheGELUPass() {
        let (rows, inF, outF) = (3136 / 4 + 3, 96, 384)
        let x = Philox(seed: 4).normals(rows * inF), w = Philox(seed: 5).normals(outF * inF).map { $0 * 0.2 }
        let b = Philox(seed: 6).normals(outF)
        var expected = reference(x, w, b, rows: rows, inF: inF, outF: outF)
        expected.withUnsafeMutableBufferPointer { Kernels.map(UnaryOps.GELU(), UnsafePointer($0.baseAddress!), $0.baseAddress!, count: rows * outF) }
        var out = [Float](repeating: .nan, count: rows * outF)
        packed(PackedLinear(weight: w, bias: b, inFeatures: inF, outFeatures: outF), x, rows: rows, into: &out, .gelu)
        #expect(out == expected)
    }

    @Test func gatedResidualEpilogueEqualsTheResidualPass() {
        // Two samples of 49 tokens and a width that leaves part of the last panel (scalar tail).
        for outF in [96, 40] {
            let (samples, tokens, inF) = (2, 49, 64)
            let rows = samples * tokens, stride = 6 * outF
            let x = Philox(seed: 7).normals(rows * inF), w = Philox(seed: 8).normals(outF * inF).map { $0 * 0.1 }
            let b = Philox(seed: 9).normals(outF), modulation = Philox(seed: 10).normals(samples * stride)
            let residual = Philox(seed: 11).normals(rows * outF)
            let y = reference(x, w, b, rows: rows, inF: inF, outF: outF)
            var expected = residual
            expected.withUnsafeMutableBufferPointer { pe in y.withUnsafeBufferPointer { py in modulation.withUnsafeBufferPointer { pm in
                AdaLNKernel.addGated(pe.baseAddress!, gate: pm.baseAddress! + 2 * outF, y: py.baseAddress!, n: samples, t: tokens, d: outF,
                                     stride: stride)
            } } }
            var out = residual
            modulation.withUnsafeBufferPointer { pm in
                packed(PackedLinear(weight: w, bias: b, inFeatures: inF, outFeatures: outF), x, rows: rows, into: &out,
                       .gatedResidual(gate: pm.baseAddress! + 2 * outF, gateStride: stride, rowsPerGate: tokens))
            }
            #expect(out == expected, "width \(outF)")
        }
    }

    @Test func matchesTheDoublePrecisionProduct() {
        // Independent of OpenBLAS: close to the double-precision reference.
        let (rows, inF, outF) = (11, 37, 45)
        let x = Philox(seed: 12).normals(rows * inF), w = Philox(seed: 13).normals(outF * inF)
        var expected = [Float](repeating: 0, count: rows * outF)
        BLAS.naiveGemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: x, b: w, c: &expected)
        var out = [Float](repeating: .nan, count: rows * outF)
        packed(PackedLinear(weight: w, bias: nil, inFeatures: inF, outFeatures: outF), x, rows: rows, into: &out)
        for (o, e) in zip(out, expected) { #expect(abs(o - e) <= 1e-4 * Swift.max(1, abs(e))) }
    }

    /// `Tensor.linear` packs a weight once and packs it again when the weight or the bias changes
    /// (``PackedLinear/cached(weight:bias:)``): the result always equals a fresh packing's.
    @Test func cachedPackingFollowsTheWeights() {
        let (rows, inF, outF) = (5, 40, 33)
        let x = Tensor(Philox(seed: 30).normals(rows * inF), shape: [rows, inF])
        let weight = Tensor(Philox(seed: 31).normals(outF * inF), shape: [outF, inF]), bias = Tensor(Philox(seed: 32).normals(outF), shape: [outF])
        func fresh(_ b: Tensor?) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * outF)
            packed(PackedLinear(weight: weight.data, bias: b?.data, inFeatures: inF, outFeatures: outF), x.data, rows: rows, into: &out)
            return out
        }
        let first = Tensor.linear(x, weight: weight, bias: bias).data
        #expect(first == fresh(bias))
        #expect(PackedLinear.cached(weight: weight, bias: bias) === PackedLinear.cached(weight: weight, bias: bias))
        weight.data[7] += 1  // a changed weight
        #expect(Tensor.linear(x, weight: weight, bias: bias).data == fresh(bias))
        #expect(Tensor.linear(x, weight: weight, bias: bias).data != first)
        bias.data[0] -= 1    // a changed bias
        #expect(Tensor.linear(x, weight: weight, bias: bias).data == fresh(bias))
        #expect(Tensor.linear(x, weight: weight, bias: nil).data == fresh(nil))  // another bias (none)
        let other = Tensor(bias.data, shape: [outF])  // another bias tensor with the same values and version
        other.data[1] += 2
        #expect(Tensor.linear(x, weight: weight, bias: other).data == fresh(other))
        // Reshaped in place (same version): packed anew for the new [out, in].
        let square = Tensor(Philox(seed: 33).normals(6 * 4), shape: [6, 4]), input = Tensor(Philox(seed: 34).normals(2 * 4), shape: [2, 4])
        _ = Tensor.linear(input, weight: square, bias: nil)
        square.reshapeInPlace([4, 6])
        let wide = Tensor(Philox(seed: 35).normals(2 * 6), shape: [2, 6])
        var expected = [Float](repeating: .nan, count: 2 * 4)
        packed(PackedLinear(weight: square.data, bias: nil, inFeatures: 6, outFeatures: 4), wide.data, rows: 2, into: &expected)
        #expect(Tensor.linear(wide, weight: square, bias: nil).data == expected)
    }

    /// A depth-major weight `[inFeatures, outFeatures]` packs to the same layer as its transpose.
    @Test(arguments: [(7, 40, 33), (300, 96, 64), (3, 5, 1)])
    func depthMajorPackingEqualsTheTransposed(shape: (Int, Int, Int)) {
        let (rows, inF, outF) = shape
        let x = Philox(seed: 40).normals(rows * inF), depthMajor = Philox(seed: 41).normals(inF * outF)
        let w = (0..<(outF * inF)).map { depthMajor[($0 % inF) * outF + $0 / inF] }  // [outF, inF]
        var expected = [Float](repeating: .nan, count: rows * outF), out = expected
        packed(PackedLinear(weight: w, bias: nil, inFeatures: inF, outFeatures: outF), x, rows: rows, into: &expected)
        let layer = depthMajor.withUnsafeBufferPointer { PackedLinear(depthMajorWeight: $0.baseAddress!, inFeatures: inF, outFeatures: outF) }
        packed(layer, x, rows: rows, into: &out)
        #expect(out == expected)
    }
}
