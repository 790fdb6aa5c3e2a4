/// Reshape, permute/transpose, slice, concatenate and chunk, with gradients.

extension Tensor {
    /// Same values in a new shape (one extent may be −1 and is inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot infer \(newShape) from \(shape)")
            target[unknown] = count / known
        }
        precondition(target.product == count, "reshape: \(shape) (\(count) values) to \(newShape)")
        let oldShape = shape
        return Tensor(data, shape: target).recording([self]) { [self] g in
            _ = oldShape
            self.accumulateGrad(g)
        }
    }

    /// Reorders the axes: output axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of \(rank) axes")
        let outShape = order.map { shape[$0] }
        let values = Tensor.permute(data, shape: shape, order: order)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor(values, shape: outShape).recording([self]) { [self] g in
            self.accumulateGrad(Tensor.permute(g, shape: outShape, order: inverse))
        }
    }

    /// Swaps two axes (negative axes count from the end).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        let i = a < 0 ? a + rank : a, j = b < 0 ? b + rank : b
        order.swapAt(i, j)
        return permuted(order)
    }

    /// Strided copy of `values` (laid out in `shape`) with axes reordered by `order`.
    static func permute(_ values: [Float], shape: [Int], order: [Int]) -> [Float] {
        let rank = shape.count
        let outShape = order.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let strides = order.map { inStrides[$0] }  // input stride for each output axis
        let zero = [Int](repeating: 0, count: rank)
        let runLength = Swift.max(outShape.last ?? 1, 1)
        return withPointers(values) { src in
            [Float].filled(values.count) { dst in
                let (s, d) = (SharedConstPointer(src), SharedPointer(dst))
                parallelChunks(Broadcast.runCount(outShape), minChunk: Swift.max(1, 32_768 / runLength)) { runs in
                    Broadcast.forEachRun(outShape: outShape, aStrides: strides, bStrides: zero, runs: runs) { o, a, aStride, _, _, len in
                        if aStride == 1 { (d.base + o).update(from: s.base + a, count: len) } else {
                            for i in 0..<len { d.base[o + i] = s.base[a + i * aStride] }
                        }
                    }
                }
            }
        }
    }

    /// The sub-tensor `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = axis < 0 ? axis + rank : axis
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax], "slice \(range) of axis \(ax) in \(shape)")
        let (outer, n, inner) = split(at: ax)
        let m = range.count
        var outShape = shape; outShape[ax] = m
        let values = withPointers(data) { src in
            [Float].filled(outer * m * inner) { dst in
                for o in 0..<outer {
                    (dst + o * m * inner).update(from: src + (o * n + range.lowerBound) * inner, count: m * inner)
                }
            }
        }
        let total = count
        return Tensor(values, shape: outShape).recording([self]) { [self] g in
            var grad = [Float](repeating: 0, count: total)
            grad.withUnsafeMutableBufferPointer { dst in
                withPointers(g) { pg in
                    for o in 0..<outer {
                        (dst.baseAddress! + (o * n + range.lowerBound) * inner).update(from: pg + o * m * inner, count: m * inner)
                    }
                }
            }
            self.accumulateGrad(grad)
        }
    }

    /// Concatenates tensors along `axis`; all other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors")
        let first = parts[0]
        let ax = axis < 0 ? axis + first.rank : axis
        for p in parts {
            precondition(p.rank == first.rank && (0..<first.rank).allSatisfy { $0 == ax || p.shape[$0] == first.shape[$0] },
                         "concat: shape \(p.shape) does not match \(first.shape) outside axis \(ax)")
        }
        let (outer, _, inner) = first.split(at: ax)
        let sizes = parts.map { $0.shape[ax] }
        let total = sizes.reduce(0, +)
        var outShape = first.shape; outShape[ax] = total
        var values = [Float](repeating: 0, count: outer * total * inner)
        values.withUnsafeMutableBufferPointer { dst in
            var offset = 0
            for (p, size) in zip(parts, sizes) {
                withPointers(p.data) { src in
                    for o in 0..<outer {
                        (dst.baseAddress! + (o * total + offset) * inner).update(from: src + o * size * inner, count: size * inner)
                    }
                }
                offset += size
            }
        }
        return Tensor(values, shape: outShape).recording(parts) { g in
            var offset = 0
            for (p, size) in zip(parts, sizes) {
                if p.requiresGrad {
                    let part = withPointers(g) { pg in
                        [Float].filled(outer * size * inner) { dst in
                            for o in 0..<outer {
                                (dst + o * size * inner).update(from: pg + (o * total + offset) * inner, count: size * inner)
                            }
                        }
                    }
                    p.accumulateGrad(part)
                }
                offset += size
            }
        }
    }

    /// Splits into `n` equal pieces along `axis` (the extent must divide evenly).
    public func chunk(_ n: Int, axis: Int) -> [Tensor] {
        let ax = axis < 0 ? axis + rank : axis
        precondition(n > 0 && shape[ax] % n == 0, "chunk: \(shape[ax]) is not divisible by \(n)")
        let size = shape[ax] / n
        return (0..<n).map { slice(axis: ax, ($0 * size)..<(($0 + 1) * size)) }
    }

    /// Rows of `table` (shape `[V, D]`) picked by `indices`, giving shape `indexShape + [D]`.
    public static func embedding(_ indices: [Int], shape indexShape: [Int], table: Tensor) -> Tensor {
        precondition(table.rank == 2, "embedding: table must be [V, D], got \(table.shape)")
        precondition(indices.count == indexShape.product, "embedding: \(indices.count) indices for shape \(indexShape)")
        let (v, d) = (table.shape[0], table.shape[1])
        precondition(indices.allSatisfy { $0 >= 0 && $0 < v }, "embedding: index out of range 0..<\(v)")
        let values = withPointers(table.data) { src in
            [Float].filled(indices.count * d) { dst in
                for (i, row) in indices.enumerated() { (dst + i * d).update(from: src + row * d, count: d) }
            }
        }
        return Tensor(values, shape: indexShape + [d]).recording([table]) { g in
            var grad = [Float](repeating: 0, count: v * d)
            for (i, row) in indices.enumerated() { for j in 0..<d { grad[row * d + j] += g[i * d + j] } }
            table.accumulateGrad(grad)
        }
    }
}
