import Foundation
import SiftTensor

/// The random views of self-supervised training (SimCLR's recipe, sized for 28×28 grey images):
/// a random resized crop, a horizontal flip, brightness/contrast jitter and a Gaussian blur —
/// the blur because the early data predictions `self-similarity` compares are blurred versions of
/// their samples. Pixels are in [-1, 1]; every draw is keyed, so a view is a pure function of
/// (generator, image).
public struct ViewAugmentation: Sendable {
    /// Fraction of the image area a crop keeps, drawn uniformly.
    public var cropArea: ClosedRange<Float> = 0.35...1
    /// Aspect ratio (width / height) of a crop, drawn log-uniformly.
    public var cropAspect: ClosedRange<Float> = 0.75...(4.0 / 3.0)
    public var flipProbability: Float = 0.5
    /// Contrast factor about the image mean, drawn uniformly.
    public var contrast: ClosedRange<Float> = 0.6...1.4
    /// Brightness offset (in the [-1, 1] pixel scale), drawn uniformly.
    public var brightness: ClosedRange<Float> = -0.3...0.3
    public var blurProbability: Float = 0.5
    /// Standard deviation of the blur in pixels, drawn uniformly.
    public var blurSigma: ClosedRange<Float> = 0.3...1.5

    public init() {}

    /// One view of the `side`×`side` image `pixels`, drawn from `rng`.
    public func view(of pixels: ArraySlice<Float>, side: Int, rng: Philox) -> [Float] {
        precondition(pixels.count == side * side, "view: \(pixels.count) pixels for a \(side)×\(side) image")
        var draw = 0
        func uniform(_ range: ClosedRange<Float>) -> Float {
            defer { draw += 1 }
            return range.lowerBound + (range.upperBound - range.lowerBound) * rng.uniform(at: draw)
        }
        // Crop box in source pixels, then a bilinear resample to side × side.
        let n = Float(side)
        let area = uniform(cropArea) * n * n
        let aspect = Float(Foundation.exp(Double(uniform(Float(Foundation.log(Double(cropAspect.lowerBound)))...Float(Foundation.log(Double(cropAspect.upperBound)))))))
        let w = min(n, (area * aspect).squareRoot()), h = min(n, (area / aspect).squareRoot())
        let x0 = uniform(0...(n - w)), y0 = uniform(0...(n - h))
        let flip = uniform(0...1) < flipProbability
        var out = [Float](repeating: 0, count: side * side)
        let base = pixels.startIndex
        for r in 0..<side {
            let sy = y0 + (Float(r) + 0.5) * h / n - 0.5
            for c in 0..<side {
                let column = flip ? side - 1 - c : c
                let sx = x0 + (Float(column) + 0.5) * w / n - 0.5
                out[r * side + c] = Self.bilinear(pixels, base: base, side: side, x: sx, y: sy)
            }
        }
        // Contrast about the mean, then brightness, clamped to the pixel range.
        let mean = out.reduce(0, +) / Float(out.count)
        let k = uniform(contrast), shift = uniform(brightness)
        for i in out.indices { out[i] = min(1, max(-1, (out[i] - mean) * k + mean + shift)) }
        if uniform(0...1) < blurProbability { out = Self.blurred(out, side: side, sigma: uniform(blurSigma)) }
        return out
    }

    /// The value at (x, y) in pixel coordinates, bilinear, edges clamped.
    static func bilinear(_ p: ArraySlice<Float>, base: Int, side: Int, x: Float, y: Float) -> Float {
        let limit = Float(side - 1)
        let cx = min(max(x, 0), limit), cy = min(max(y, 0), limit)
        let x0 = Int(cx), y0 = Int(cy), x1 = min(x0 + 1, side - 1), y1 = min(y0 + 1, side - 1)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        let top = p[base + y0 * side + x0] * (1 - fx) + p[base + y0 * side + x1] * fx
        let bottom = p[base + y1 * side + x0] * (1 - fx) + p[base + y1 * side + x1] * fx
        return top * (1 - fy) + bottom * fy
    }

    /// A separable Gaussian blur (radius ⌈3σ⌉, edges clamped).
    static func blurred(_ image: [Float], side: Int, sigma: Float) -> [Float] {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { Float(Foundation.exp(-Double($0 * $0) / (2 * Double(sigma * sigma)))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var rows = [Float](repeating: 0, count: image.count), out = rows
        for r in 0..<side {
            for c in 0..<side {
                var s: Float = 0
                for (k, weight) in kernel.enumerated() { s += weight * image[r * side + min(max(c + k - radius, 0), side - 1)] }
                rows[r * side + c] = s
            }
        }
        for r in 0..<side {
            for c in 0..<side {
                var s: Float = 0
                for (k, weight) in kernel.enumerated() { s += weight * rows[min(max(r + k - radius, 0), side - 1) * side + c] }
                out[r * side + c] = s
            }
        }
        return out
    }
}
