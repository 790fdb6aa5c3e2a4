/// Reverse-mode automatic differentiation: graph nodes, the backward pass and no-grad mode.

/// Records how a tensor was made: its inputs and a closure that, given the output's gradient,
/// adds the corresponding gradients into the inputs (see ``Tensor/accumulateGrad(_:)``).
final class GradNode {
    let inputs: [Tensor]
    let backward: (_ outputGrad: [Float]) -> Void
    init(inputs: [Tensor], backward: @escaping ([Float]) -> Void) {
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations record their history. Off inside ``withNoGrad(_:)`` (inference).
public enum GradMode {
    @TaskLocal static var isEnabledLocal: Bool = true
    /// `true` unless inside ``withNoGrad(_:)``.
    public static var isEnabled: Bool { isEnabledLocal }
}

/// Runs `body` without recording operations for autograd (inference: no graph, no saved inputs).
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabledLocal.withValue(false) { try body() }
}

extension Tensor {
    /// Attaches a backward rule to `self` (a freshly computed output) when gradient recording is on
    /// and any input needs a gradient. Returns `self` for chaining.
    @discardableResult
    func recording(_ inputs: [Tensor], _ backward: @escaping ([Float]) -> Void) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        node = GradNode(inputs: inputs, backward: backward)
        return self
    }

    /// Adds `g` (same element count) into this tensor's gradient, creating it on first use.
    /// Tensors used more than once in a graph therefore receive the sum of their gradients.
    func accumulateGrad(_ g: [Float]) {
        guard requiresGrad else { return }
        precondition(g.count == count, "gradient of \(g.count) for tensor of shape \(shape)")
        if grad == nil {
            grad = g
        } else {
            grad!.withUnsafeMutableBufferPointer { dst in
                g.withUnsafeBufferPointer { src in
                    Kernels.addInPlace(dst.baseAddress!, src.baseAddress!, count: g.count)
                }
            }
        }
    }

    /// Back-propagates from this tensor, consuming the recorded graph (a second call on the same
    /// result has nothing left to traverse). With no `seed` the tensor must hold one element and the
    /// seed is 1 (d self / d self). Gradients accumulate into `grad` of every tracked ancestor
    /// (call ``zeroGrad()`` or the optimiser's `zeroGrad` between steps).
    public func backward(seed: [Float]? = nil) {
        let start = seed ?? {
            precondition(count == 1, "backward() without a seed needs a one-element tensor, got \(shape)")
            return [1]
        }()
        guard requiresGrad else { return }
        // Topological order by iterative depth-first search over the recorded graph.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            for input in t.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        // Interior gradients are transient: only leaves keep theirs after the pass.
        accumulateGrad(start)
        // Each interior node is used once and then released (like PyTorch without retain_graph),
        // which frees the saved activations as soon as they are no longer needed.
        for t in order.reversed() {
            guard let node = t.node else { continue }
            t.node = nil
            guard let g = t.grad else { continue }
            t.grad = nil
            node.backward(g)
        }
    }
}
