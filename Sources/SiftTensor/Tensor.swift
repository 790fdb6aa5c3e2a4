import Foundation

/// A dense, row-major, contiguous Float32 tensor that records the operations producing it so that
/// gradients can flow back through them (reverse-mode autograd).
///
/// Tensors have reference semantics: an operation returns a new tensor whose `node` remembers its
/// inputs and how to push a gradient back to them. Call ``backward()`` on a scalar result to fill
/// `grad` of every tensor with `requiresGrad` that it depends on.
public final class Tensor {
    /// Extent of each axis, outermost first. A scalar has shape `[]`.
    public private(set) var shape: [Int]
    /// The values, row-major and contiguous; `data.count == shape.product`.
    public var data: [Float] { didSet { version &+= 1 } }
    /// Counts the changes of `data` (every assignment or in-place mutation), so that something
    /// derived from the values, such as ``PackedLinear`` weights, can tell when it is stale.
    public private(set) var version = 0
    /// Accumulated gradient of the last ``backward()`` call (same shape as `data`), if any.
    public var grad: [Float]?
    /// Whether gradients are tracked for this tensor (leaf parameters set this to `true`).
    public var requiresGrad: Bool
    /// How this tensor was produced, when it was produced by a tracked operation.
    var node: GradNode?
    /// This tensor packed as a linear layer's weight (``PackedLinear/cached(weight:bias:)``).
    var packedLinear: PackedLinear.CacheEntry?

    /// Creates a tensor from values and a shape; `data.count` must equal the product of `shape`.
    public init(_ data: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(data.count == shape.product,
                     "Tensor: \(data.count) values do not fill shape \(shape)")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init([Float](repeating: 0, count: shape.product), shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor filled with one value.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init([Float](repeating: value, count: shape.product), shape: shape, requiresGrad: requiresGrad)
    }

    /// A scalar (shape `[]`).
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// Creates a tensor whose values are written by `fill` into uninitialised storage of `shape.product` floats.
    /// `fill` must write every element.
    public convenience init(shape: [Int], fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let n = shape.product
        let values = [Float](unsafeUninitializedCapacity: n) { buffer, count in
            fill(buffer)
            count = n
        }
        self.init(values, shape: shape)
    }

    /// Number of elements.
    public var count: Int { data.count }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements")
        return data[0]
    }

    /// Changes the shape in place without touching the values (same element count).
    /// Only for tensors that are not part of a recorded graph (e.g. buffers being reused).
    public func reshapeInPlace(_ newShape: [Int]) {
        precondition(newShape.product == count, "reshapeInPlace: \(shape) -> \(newShape)")
        shape = newShape
    }

    /// A copy that shares no storage and records no history.
    public func detached() -> Tensor { Tensor(data, shape: shape) }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = data.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

extension Array where Element == Int {
    /// Product of the elements (1 for an empty array): the element count of a shape.
    public var product: Int { reduce(1, *) }
}
