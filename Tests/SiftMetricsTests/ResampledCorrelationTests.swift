import Foundation
import Testing
import SiftTensor
import SiftUtilities
@testable import SiftMetrics

@Suite struct ResampledCorrelationTests {
    /// 60 slots in 3 classes, 4 candidates each; y = ρ·x + √(1−ρ²)·noise per candidate.
    static func pool(seed: UInt64, rho: Double = 0.6) -> (slotOf: [Int], labels: [Int], classOf: [Int], x: [Double], y: [Double]) {
        let slots = 60, per = 4
        let z = Philox(seed: seed).normals(2 * slots * per).map(Double.init)
        let slotOf = (0..<(slots * per)).map { $0 / per }
        let x = (0..<(slots * per)).map { z[$0] }
        let y = (0..<(slots * per)).map { rho * z[$0] + (1 - rho * rho).squareRoot() * z[slots * per + $0] }
        return (slotOf, (0..<slots).map { $0 % 3 }, slotOf.map { $0 % 3 }, x, y)
    }

    @Test func allOnesIsPearsonR() {
        let p = Self.pool(seed: 1)
        let ones = [Int](repeating: 1, count: 60)
        #expect(abs(ResampledCorrelation(slotOf: p.slotOf, x: p.x, y: p.y).value(counts: ones) - Pearson.r(p.x, p.y)) < 1e-12)
        let within = ResampledCorrelation(slotOf: p.slotOf, x: p.x, y: p.y, withinClass: p.classOf).value(counts: ones)
        let perClass = (0..<3).map { c in
            let rows = p.x.indices.filter { p.classOf[$0] == c }
            return Pearson.r(rows.map { p.x[$0] }, rows.map { p.y[$0] })
        }
        #expect(abs(within - perClass.reduce(0, +) / 3) < 1e-12)
    }

    /// The paired difference of two correlations of one pool: r₂ − r₁ at every resample, zero (with
    /// a zero-width interval) for a statistic against itself, and tighter than the separate
    /// intervals when both share a score.
    @Test func pairedDifferencesOfCorrelations() {
        let p = Self.pool(seed: 3)
        let w = p.x.indices.map { 0.9 * p.x[$0] + 0.3 * p.y[$0] }
        let ones = [Int](repeating: 1, count: 60)
        let first = ResampledCorrelation(slotOf: p.slotOf, x: p.x, y: p.y), second = ResampledCorrelation(slotOf: p.slotOf, x: w, y: p.y)
        let difference = ResampledDifference(first: first, second: second)
        #expect(abs(difference.value(counts: ones) - (Pearson.r(w, p.y) - Pearson.r(p.x, p.y))) < 1e-12)
        var options = BootstrapOptions()
        options.replicates = 400
        let intervals = CellStatistics.intervals(of: [("self", ResampledDifference(first: first, second: first)), ("d", difference),
                                                      ("a", first), ("b", second)], labels: p.labels, options: options)
        #expect(intervals["self"]!.low == 0 && intervals["self"]!.high == 0)
        let d = intervals["d"]!, a = intervals["a"]!, b = intervals["b"]!
        #expect(d.high - d.low < min(a.high - a.low, b.high - b.low), "paired \(d), separate \(a) and \(b)")
    }

    /// A slot drawn twice weighs all its candidates twice: the same r as listing them twice.
    @Test func countsWeighWholeSlots() {
        let p = Self.pool(seed: 2)
        var counts = [Int](repeating: 1, count: 60)
        counts[0] = 2; counts[5] = 0; counts[7] = 3
        var xs = [Double](), ys = [Double]()
        for (i, s) in p.slotOf.enumerated() { for _ in 0..<counts[s] { xs.append(p.x[i]); ys.append(p.y[i]) } }
        #expect(abs(ResampledCorrelation(slotOf: p.slotOf, x: p.x, y: p.y).value(counts: counts) - Pearson.r(xs, ys)) < 1e-12)
    }

    /// The interval covers the population ρ = 0.6 in most of 100 seeded pools (binomial sd of the
    /// rate at 0.95: 0.022; the bound 0.85 allows the bootstrap's under-coverage at 60 slots).
    @Test func intervalCoversTheTrueCorrelation() {
        var covered = 0
        var options = BootstrapOptions()
        options.replicates = 300
        for t in 0..<100 {
            let p = Self.pool(seed: 100 + UInt64(t))
            let r = ResampledCorrelation(slotOf: p.slotOf, x: p.x, y: p.y)
            if let i = CellStatistics.intervals(of: [("r", r)], labels: p.labels, options: options)["r"], i.contains(0.6) { covered += 1 }
        }
        #expect(covered >= 85 && covered <= 99, "covered \(covered) of 100")
    }
}
