import Testing
@testable import SiftTensor

/// A convolution's product must round as the row product of the transposed input (PackedLinear's
/// and OpenBLAS's SkylakeX rounding), column by column, so a pixel does not depend on how many
/// images or which band came with it, or on the thread count.
@Suite(.serialized) struct ColumnProductTests {
    /// (depth, outputs, count): eval-cnn's layers (depths past one ``BLAS/stableDepth`` chunk),
    /// widths that leave part of a block, counts that leave part of a strip and of a vector.
    static let shapes: [(Int, Int, Int)] = [(9, 32, 784), (288, 32, 224), (288, 64, 196), (576, 64, 112), (50, 33, 77), (400, 3, 9), (7, 5, 1)]

    @Test(arguments: shapes)
    func equalsTheRowProduct(shape: (Int, Int, Int)) {
        let (k, outputs, count) = shape
        let threads = Threads.count
        defer { Threads.set(threads) }
        let columns = Philox(seed: 12).normals(k * count), w = Philox(seed: 13).normals(outputs * k).map { $0 * 0.1 }
        let bias = Philox(seed: 14).normals(outputs)
        let rows = (0..<(count * k)).map { columns[($0 % k) * count + $0 / k] }  // [count, K]
        let product = PackedLinearTests().reference(rows, w, nil, rows: count, inF: k, outF: outputs)  // [count, outputs]
        let layer = w.withUnsafeBufferPointer { ColumnProduct(weight: $0.baseAddress!, outputs: outputs, depth: k) }
        let ldOut = count + 3  // rows of the output further apart than the product's: the gaps stay untouched
        for withBias in [true, false] {
            var expected = [Float](repeating: .nan, count: outputs * ldOut)
            for c in 0..<count { for o in 0..<outputs { expected[o * ldOut + c] = product[c * outputs + o] + (withBias ? bias[o] : 0) } }
            for t in Set([1, 2, threads]) {
                Threads.set(t)
                var out = [Float](repeating: .nan, count: outputs * ldOut)
                columns.withUnsafeBufferPointer { pc in out.withUnsafeMutableBufferPointer { po in bias.withUnsafeBufferPointer { pb in
                    layer.apply(pc.baseAddress!, count: count, out: po.baseAddress!, ldOut: ldOut, bias: withBias ? pb.baseAddress! : nil)
                } } }
                let same = zip(out, expected).allSatisfy { $0.bitPattern == $1.bitPattern }
                #expect(same, "\(k)×\(count) columns → \(outputs), bias \(withBias), \(t) threads")
            }
        }
    }

    /// `Tensor.conv2d` (bands of rows, ConvBands) equals the column product of the whole im2col
    /// matrix rounded one scalar at a time, image by image, whatever the batch and thread count:
    /// eval-cnn's layers (several bands per image, the last one short), a stride of 2, no padding,
    /// and padding wider than a band's padded row (a stride past the image).
    @Test(arguments: [(2, 32, 28, 28, 32, 1, 1), (3, 64, 7, 7, 64, 1, 1), (2, 3, 9, 6, 5, 2, 1), (2, 2, 6, 5, 3, 1, 0), (1, 1, 28, 28, 32, 1, 1),
                     (1, 1, 30, 1, 2, 20, 4)])
    func convolutionEqualsTheChainReference(shape: (Int, Int, Int, Int, Int, Int, Int)) {
        let (n, c, h, w, o, stride, padding) = shape
        let threads = Threads.count
        defer { Threads.set(threads) }
        let geo = ConvGeometry(n: n, c: c, h: h, w: w, o: o, kh: 3, kw: 3, stride: stride, padding: padding)
        let x = Philox(seed: 20).normals(n * c * h * w), weight = Philox(seed: 21).normals(o * c * 9).map { $0 * 0.2 }
        let bias = Philox(seed: 22).normals(o)
        var cols = [Float](repeating: 0, count: geo.patch * n * geo.pixels)
        x.withUnsafeBufferPointer { px in cols.withUnsafeMutableBufferPointer { pc in
            for i in 0..<n { geo.im2col(px.baseAddress! + i * c * h * w, pc.baseAddress!, ld: n * geo.pixels, offset: i * geo.pixels) }
        } }
        let count = n * geo.pixels
        let rows = (0..<(count * geo.patch)).map { cols[($0 % geo.patch) * count + $0 / geo.patch] }
        let product = PackedLinearTests().chainReference(rows, weight, nil, rows: count, inF: geo.patch, outF: o)
        var expected = [Float](repeating: 0, count: n * o * geo.pixels)
        for col in 0..<count { for ch in 0..<o {
            expected[((col / geo.pixels) * o + ch) * geo.pixels + col % geo.pixels] = product[col * o + ch] + bias[ch]
        } }
        for t in Set([1, 2, threads]) {
            Threads.set(t)
            let y = Tensor.conv2d(Tensor(x, shape: [n, c, h, w]), weight: Tensor(weight, shape: [o, c, 3, 3]), bias: Tensor(bias, shape: [o]),
                                  stride: stride, padding: padding)
            #expect(y.shape == [n, o, geo.oh, geo.ow])
            #expect(y.data == expected, "\(shape), \(t) threads")
        }
    }
}
