import SiftNN
import SiftTensor

/// An image classifier over Fashion-MNIST (`[N, 1, 28, 28]` in [-1, 1]) with a penultimate
/// feature vector: the evaluation network (`eval-cnn`, FID/IS features) and the supervised
/// verifiers (`clf-mlp`, `clf-vit`).
public protocol Classifier: Module {
    /// Zoo name.
    var name: String { get }
    /// Width of the penultimate features.
    var featureDimension: Int { get }
    /// FLOPs (2 × multiply-accumulates of the matrix products and convolutions) per image.
    var forwardFLOPs: Int { get }
    /// Penultimate features `[N, F]` and class logits `[N, 10]`.
    func forward(_ x: Tensor) -> (features: Tensor, logits: Tensor)
}

extension Classifier {
    /// Class logits `[N, 10]`.
    public func logits(_ x: Tensor) -> Tensor { forward(x).logits }

    /// Mean cross-entropy of a batch.
    public func loss(_ x: Tensor, labels: [Int]) -> Tensor { Tensor.crossEntropy(logits(x), labels: labels) }

    /// Fraction of `images` classified correctly (no-grad, in batches).
    public func accuracy(pixels: [Float], labels: [Int], batch: Int = 500) -> Double {
        let per = 28 * 28
        var correct = 0
        withNoGrad {
            for lo in stride(from: 0, to: labels.count, by: batch) {
                let hi = min(labels.count, lo + batch)
                let x = Tensor(Array(pixels[(lo * per)..<(hi * per)]), shape: [hi - lo, 1, 28, 28])
                let l = logits(x)
                for i in 0..<(hi - lo) {
                    let row = l.data[(i * 10)..<((i + 1) * 10)]
                    if row.firstIndex(of: row.max()!)! - i * 10 == labels[lo + i] { correct += 1 }
                }
            }
        }
        return Double(correct) / Double(max(labels.count, 1))
    }
}

/// A 2-D convolution layer (PyTorch `nn.Conv2d`, weight `[O, C, k, k]`).
public final class Conv2d: Module {
    public let weight: Tensor, bias: Tensor
    let prefix: String, padding: Int
    public init(_ prefix: String, inChannels: Int, outChannels: Int, kernel: Int, padding: Int, rng: Philox) {
        let fanIn = inChannels * kernel * kernel
        self.prefix = prefix
        self.padding = padding
        weight = Initializer.torchDefault([outChannels, inChannels, kernel, kernel], fanIn: fanIn, rng: rng.stream(0))
        bias = Initializer.torchDefault([outChannels], fanIn: fanIn, rng: rng.stream(1))
    }
    public var namedParameters: [(name: String, tensor: Tensor)] { [("\(prefix).weight", weight), ("\(prefix).bias", bias)] }
    public func callAsFunction(_ x: Tensor) -> Tensor { Tensor.conv2d(x, weight: weight, bias: bias, stride: 1, padding: padding) }
}

/// `eval-cnn`, the evaluation network (the stand-in for Inception): four 3×3 convolutions
/// (32, 32, 64, 64 channels, ReLU, 2×2 max-pool after each pair), a 128-unit ReLU layer whose
/// output is the feature vector, and a linear classifier.
public final class EvalCNN: Classifier {
    public let name = "eval-cnn"
    let conv1, conv2, conv3, conv4: Conv2d
    let fc1, fc2: Linear
    public init(seed: UInt64 = 0) {
        let rng = Philox(seed: seed, stream: 0xC44)
        conv1 = Conv2d("conv1", inChannels: 1, outChannels: 32, kernel: 3, padding: 1, rng: rng.stream(1))
        conv2 = Conv2d("conv2", inChannels: 32, outChannels: 32, kernel: 3, padding: 1, rng: rng.stream(2))
        conv3 = Conv2d("conv3", inChannels: 32, outChannels: 64, kernel: 3, padding: 1, rng: rng.stream(3))
        conv4 = Conv2d("conv4", inChannels: 64, outChannels: 64, kernel: 3, padding: 1, rng: rng.stream(4))
        fc1 = Linear("fc1", inFeatures: 64 * 7 * 7, outFeatures: 128, rng: rng.stream(5))
        fc2 = Linear("fc2", inFeatures: 128, outFeatures: 10, rng: rng.stream(6))
    }
    public var featureDimension: Int { 128 }
    public var forwardFLOPs: Int {
        2 * (784 * 32 * 9 + 784 * 32 * 288 + 196 * 64 * 288 + 196 * 64 * 576 + 3136 * 128 + 128 * 10)
    }
    public var namedParameters: [(name: String, tensor: Tensor)] {
        [conv1, conv2, conv3, conv4].flatMap(\.namedParameters) + fc1.namedParameters + fc2.namedParameters
    }
    public func forward(_ x: Tensor) -> (features: Tensor, logits: Tensor) {
        let n = x.shape[0]
        let h1 = conv2(conv1(x).relu()).relu().maxPool2x2()      // (N, 32, 14, 14)
        let h2 = conv4(conv3(h1).relu()).relu().maxPool2x2()     // (N, 64, 7, 7)
        let features = fc1(h2.reshaped([n, 64 * 7 * 7])).relu()  // (N, 128)
        return (features, fc2(features))
    }
}

/// `clf-mlp`, the weaker supervised verifier: 784 → 256 → 128 → 10 with ReLU.
public final class MLPClassifier: Classifier {
    public let name = "clf-mlp"
    let fc1, fc2, fc3: Linear
    public init(seed: UInt64 = 0) {
        let rng = Philox(seed: seed, stream: 0x4C9)
        fc1 = Linear("fc1", inFeatures: 784, outFeatures: 256, rng: rng.stream(1))
        fc2 = Linear("fc2", inFeatures: 256, outFeatures: 128, rng: rng.stream(2))
        fc3 = Linear("fc3", inFeatures: 128, outFeatures: 10, rng: rng.stream(3))
    }
    public var featureDimension: Int { 128 }
    public var forwardFLOPs: Int { 2 * (784 * 256 + 256 * 128 + 128 * 10) }
    public var namedParameters: [(name: String, tensor: Tensor)] { fc1.namedParameters + fc2.namedParameters + fc3.namedParameters }
    public func forward(_ x: Tensor) -> (features: Tensor, logits: Tensor) {
        let h = fc1(x.reshaped([x.shape[0], 784])).relu()
        let features = fc2(h).relu()
        return (features, fc3(features))
    }
}
