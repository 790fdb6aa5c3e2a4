import Foundation

/// Axis tick positions with their labels.
public struct Tick: Equatable, Sendable {
    public let value: Double
    public let label: String
}

public enum Ticks {
    /// Ticks of a logarithmic axis over [lo, hi] (both > 0): powers of ten, with 2× and 5× steps
    /// added when the range spans fewer than three decades, and thinned to every k-th decade when
    /// it spans many, so a plot shows 3–10 labelled ticks for any range from 1 to 10⁶ and beyond.
    public static func logarithmic(_ lo: Double, _ hi: Double) -> [Tick] {
        guard lo > 0, hi >= lo, lo.isFinite, hi.isFinite else { return [] }
        let first = Int(floor(log10(lo) + 1e-9)), last = Int(ceil(log10(hi) - 1e-9))
        let decades = max(last - first, 0)
        var values = [Double]()
        if decades <= 2 {
            for e in first...max(last, first) {
                for m in [1.0, 2.0, 5.0] { values.append(m * pow(10, Double(e))) }
            }
        } else {
            let step = max(1, Int((Double(decades) / 8).rounded(.up)))
            for e in stride(from: first, through: last, by: step) { values.append(pow(10, Double(e))) }
        }
        var inside = values.filter { $0 >= lo * (1 - 1e-9) && $0 <= hi * (1 + 1e-9) }
        if inside.count < 2 {
            // A narrow range inside one decade: fall back to nice linear steps.
            inside = linear(lo, hi).map(\.value).filter { $0 > 0 }
        }
        return inside.map { Tick(value: $0, label: label($0)) }
    }

    /// About `count` ticks at 1/2/5 × 10^k steps covering [lo, hi].
    public static func linear(_ lo: Double, _ hi: Double, count: Int = 5) -> [Tick] {
        guard lo.isFinite, hi.isFinite else { return [] }
        if hi <= lo { return [Tick(value: lo, label: label(lo))] }
        let raw = (hi - lo) / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        // Integer multiples of the step (an accumulating loop can stall when the step is below
        // the values' resolution); at most a few dozen ticks.
        let first = ceil(lo / step - 1e-9)
        var values = [Double]()
        for i in 0..<50 {
            let v = (first + Double(i)) * step
            if v > hi + step * 1e-9 { break }
            values.append(abs(v) < step * 1e-9 ? 0 : v)
        }
        return values.map { Tick(value: $0, label: label($0, step: step)) }
    }

    /// Short labels: 1, 20, 500, 2k, 10k, 1M; decimals only where the step needs them.
    public static func label(_ v: Double, step: Double? = nil) -> String {
        let a = abs(v)
        if a >= 1e6 && (step ?? a) >= 1e5 { return trim(v / 1e6) + "M" }
        if a >= 1e3 && (step ?? a) >= 100 { return trim(v / 1e3) + "k" }
        if let step, step < 1 {
            let digits = min(6, Int(ceil(-log10(step) - 1e-9)))
            return String(format: "%.\(digits)f", v)
        }
        return trim(v)
    }

    static func trim(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
