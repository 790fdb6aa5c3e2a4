/// Sum, mean and max over axes (keeping or dropping them), with gradients.

extension Tensor {
    /// Normalises possibly negative axes and sorts them, checking bounds.
    func normalisedAxes(_ axes: [Int]) -> [Int] {
        let r = rank
        let result = Set(axes.map { $0 < 0 ? $0 + r : $0 })
        precondition(result.allSatisfy { $0 >= 0 && $0 < r }, "axes \(axes) out of range for shape \(shape)")
        return result.sorted()
    }

    /// Sizes (outer, n, inner) around `axis`.
    func split(at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Sum over one axis, keeping it with extent 1.
    private func sumKeeping(axis: Int) -> Tensor {
        let (outer, n, inner) = split(at: axis)
        var outShape = shape; outShape[axis] = 1
        let values = withPointers(data) { src in
            [Float].filled(outer * inner) { dst in
                let d = SharedPointer(dst), s = SharedConstPointer(src)
                parallelChunks(outer, minChunk: Swift.max(1, 32_768 / Swift.max(n * inner, 1))) { rows in
                    for o in rows {
                        let out = d.base + o * inner
                        out.initialize(repeating: 0, count: inner)
                        for k in 0..<n {
                            let row = s.base + (o * n + k) * inner
                            for i in 0..<inner { out[i] += row[i] }
                        }
                    }
                }
            }
        }
        let inShape = shape
        return Tensor(values, shape: outShape).recording([self]) { [self] g in
            self.accumulateGrad(Broadcast.expand(g, from: outShape, to: inShape))
        }
    }

    /// Maximum over one axis, keeping it with extent 1; the gradient goes to the first maximum.
    private func maxKeeping(axis: Int) -> Tensor {
        let (outer, n, inner) = split(at: axis)
        precondition(n > 0, "max over axis \(axis) of extent 0 in \(shape)")
        var outShape = shape; outShape[axis] = 1
        var argmax = [Int](repeating: 0, count: outer * inner)
        let values = withPointers(data) { src in
            [Float].filled(outer * inner) { dst in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var best = -Float.infinity, at = 0
                        for k in 0..<n {
                            let v = src[(o * n + k) * inner + i]
                            if k == 0 || v > best { best = v; at = k }
                        }
                        dst[o * inner + i] = best
                        argmax[o * inner + i] = (o * n + at) * inner + i
                    }
                }
            }
        }
        let count = self.count
        return Tensor(values, shape: outShape).recording([self]) { [self] g in
            var grad = [Float](repeating: 0, count: count)
            for (j, index) in argmax.enumerated() { grad[index] += g[j] }
            self.accumulateGrad(grad)
        }
    }

    private func reduce(_ axes: [Int], keepDims: Bool, _ one: (Tensor, Int) -> Tensor) -> Tensor {
        let list = normalisedAxes(axes)
        var t = self
        for axis in list { t = one(t, axis) }
        if keepDims { return t }
        let kept = shape.enumerated().filter { !list.contains($0.offset) }.map(\.element)
        return t.reshaped(kept)
    }

    /// Sum over `axes` (negative axes count from the end).
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        reduce(axes, keepDims: keepDims) { $0.sumKeeping(axis: $1) }
    }

    /// Sum of all elements, as a scalar tensor.
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = normalisedAxes(axes).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Mean of all elements, as a scalar tensor.
    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    /// Maximum over `axes`.
    public func max(axes: [Int], keepDims: Bool = false) -> Tensor {
        reduce(axes, keepDims: keepDims) { $0.maxKeeping(axis: $1) }
    }
}
