import SiftModels
import SiftTensor

/// Runs a classifier over images in fixed chunks (no autograd) and counts its cost.
final class ClassifierPass {
    let network: Classifier
    /// Images per forward call: the convolutional network's im2col buffers stay cache-sized.
    let chunk: Int
    private(set) var cost = VerifierCost()

    init(_ network: Classifier, chunk: Int = 100) {
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
        cost.forwardPasses += b
        cost.flops += Double(b) * Double(network.forwardFLOPs)
        return (features, logits)
    }
}
