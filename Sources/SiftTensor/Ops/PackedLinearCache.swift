import Foundation

extension PackedLinear {
    /// A packing remembered on its weight tensor (``Tensor/packedLinear``), valid while the weight
    /// and the bias it was made with keep their ``Tensor/version``.
    final class CacheEntry {
        let weightVersion: Int
        let bias: Tensor?
        let biasVersion: Int
        let layer: PackedLinear

        init(weightVersion: Int, bias: Tensor?, biasVersion: Int, layer: PackedLinear) {
            self.weightVersion = weightVersion
            self.bias = bias
            self.biasVersion = biasVersion
            self.layer = layer
        }
    }

    /// Guards ``Tensor/packedLinear`` (a model may run on several threads at once).
    private static let cacheLock = NSLock()

    /// `weight` `[outFeatures, inFeatures]` (or `[outFeatures, …]`, the trailing axes flattened: a
    /// patch embedding's convolution-shaped weight) and `bias` packed, reusing the packing made for the same
    /// two tensors while neither has changed since: an inference pass packs each layer once, not on
    /// every call (a verifier's classifier runs thousands of small batches).
    public static func cached(weight: Tensor, bias: Tensor?) -> PackedLinear {
        let biasVersion = bias?.version ?? -1
        cacheLock.lock()
        let entry = weight.packedLinear
        cacheLock.unlock()
        precondition(weight.rank >= 2 && weight.shape[0] > 0, "PackedLinear.cached: weight \(weight.shape)")
        let outFeatures = weight.shape[0]
        if let entry, entry.weightVersion == weight.version, entry.bias === bias, entry.biasVersion == biasVersion,
           entry.layer.outFeatures == outFeatures, entry.layer.inFeatures == weight.count / outFeatures {  // a reshape keeps the version
            return entry.layer
        }
        let layer = PackedLinear(weight: weight.data, bias: bias?.data, inFeatures: weight.count / outFeatures, outFeatures: outFeatures)
        let fresh = CacheEntry(weightVersion: weight.version, bias: bias, biasVersion: biasVersion, layer: layer)
        cacheLock.lock()
        weight.packedLinear = fresh
        cacheLock.unlock()
        return layer
    }
}
