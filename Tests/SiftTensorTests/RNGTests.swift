import Foundation
import Testing
@testable import SiftTensor

@Suite struct CounterBasedRNG {
    @Test func philoxKnownAnswer() {
        // Random123's published known-answer test for Philox-4x32-10: counter = key = 0.
        let zero = Philox(seed: 0, stream: 0).block(0)
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
    }

    @Test func sameKeySameNumbersWhateverTheSplit() {
        let rng = Philox(seed: 1234).stream(3, 7, 11)
        let whole = rng.normals(10_000)
        var pieces: [Float] = []
        var start = 0
        for size in [1, 3, 999, 4096, 4901] { pieces += rng.normals(size, from: start); start += size }
        #expect(whole == pieces)
        #expect((0..<100).map { rng.normal(at: $0 * 97) } == (0..<100).map { whole[$0 * 97] })
        // A large draw is split over threads; element by element on one thread gives the same.
        // (Tests run concurrently, so they never change the global thread count.)
        let parallel = rng.normals(100_000)
        #expect(parallel == (0..<100_000).map { rng.normal(at: $0) })
    }

    @Test func normalMoments() {
        let x = Philox(seed: 42).normals(1_000_000).map(Double.init)
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
        #expect(abs(mean) < 0.005)
        #expect(abs(variance - 1) < 0.01)
        let u = Philox(seed: 43).uniforms(1_000_000)
        #expect(u.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(abs(u.reduce(0.0) { $0 + Double($1) } / 1e6 - 0.5) < 0.002)
    }

    @Test func differentKeysAreUncorrelated() {
        let n = 200_000
        let streams = [Philox(seed: 1), Philox(seed: 2), Philox(seed: 1).stream(1), Philox(seed: 1).stream(2),
                       Philox(seed: 1).stream(1, 0), Philox(seed: 1).stream(0, 1)]
        let draws = streams.map { $0.normals(n).map(Double.init) }
        for i in 0..<draws.count { for j in (i + 1)..<draws.count {
            let r = zip(draws[i], draws[j]).reduce(0) { $0 + $1.0 * $1.1 } / Double(n)
            #expect(abs(r) < 0.015, "streams \(i) and \(j) correlate: \(r)")
            #expect(draws[i] != draws[j])
        } }
    }

    @Test func integersCoverTheRange() {
        let rng = Philox(seed: 9)
        var counts = [Int](repeating: 0, count: 10)
        for i in 0..<50_000 { counts[rng.integer(below: 10, at: i)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 5_000) < 300 })
    }
}
