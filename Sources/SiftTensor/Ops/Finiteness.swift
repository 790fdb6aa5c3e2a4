extension Tensor {
    /// The flat index of the first NaN or ±Inf element, nil when every element is finite.
    public var firstNonFiniteIndex: Int? { data.firstIndex { !$0.isFinite } }
}
