import SiftModels
import SiftTensor

/// Runs a classifier over images in fixed chunks (no autograd) and counts its cost.
final class ClassifierPass {
    let network: Classifier
    /// Images per forward call. Small, so the convolutional network's im2col and product buffers
    /// (≈ 1 MB per image for eval-cnn's second layer) stay below glibc's mmap threshold and are
    /// reused instead of mapped, faulted in and zeroed anew on every call: eval-cnn features of
    /// the 10,000 test images took 9.5 s at 100 images per call and 3.4–4.2 s at 8 (4: 4.5 s,
    /// 2: 5.3 s). Results do not depend on it (the products are batch-stable).
    let chunk: Int
    private(set) var cost = VerifierCost()

    init(_ network: Classifier, chunk: Int = 8) {
        self.network = network
        self.chunk = chunk
    }

    /// Features `(B, F)` and logits `(B, 10)` of `images` `(B, 1, 28, 28)`, row-major.
    func run(_ images: Tensor) -> (features: [Float], logits: [Float]) {
        let b = images.shape[0]
        var features = [Float](), logits = [Float]()
        features.reserveCapacity(b * network.featureDimension)
        logits.reserveCapacity(b * 10)
        withNoGrad {
            for lo in stride(from: 0, to: b, by: chunk) {
                let hi = min(b, lo + chunk)
                let part = hi - lo == b ? images : images.slice(axis: 0, lo..<hi)
                let out = network.forward(part)
                features += out.features.data
                logits += out.logits.data
            }
        }
        count(b)
        return (features, logits)
    }

    /// Features `(B, F)` and logits `(B, 10)` of `images` in one forward call on the current
    /// autograd graph (for differentiable scores), counted like ``run(_:)``.
    func forwardOnGraph(_ images: Tensor) -> (features: Tensor, logits: Tensor) {
        count(images.shape[0])
        return network.forward(images)
    }

    /// Charges `images` forward passes to ``cost``.
    private func count(_ images: Int) {
        cost.forwardPasses += images
        cost.flops += Double(images) * Double(network.forwardFLOPs)
    }
}
