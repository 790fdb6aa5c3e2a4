import SiftTensor

/// Splitting work into batches of at most a given size (large enough that the matrix products
/// are big, small enough to bound memory). The one batching rule of the search algorithms.
public enum Batches {
    /// Consecutive ranges of at most `size` covering `0..<count`.
    public static func ranges(count: Int, size: Int) -> [Range<Int>] {
        let b = max(size, 1)
        return stride(from: 0, to: count, by: b).map { $0..<min(count, $0 + b) }
    }

    /// `body` on batches of at most `size` rows of `x (N, …)` with their `labels`, concatenated
    /// back in order `(N, …)`.
    public static func map(_ x: Tensor, labels: [Int], size: Int, _ body: (Tensor, [Int]) -> Tensor) -> Tensor {
        if labels.count <= max(size, 1) { return body(x, labels) }
        let parts = ranges(count: labels.count, size: size).map { r in body(x.slice(axis: 0, r), Array(labels[r])) }
        return Tensor.concat(parts, axis: 0)
    }
}
