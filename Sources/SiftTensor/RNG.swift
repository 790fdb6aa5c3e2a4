import Foundation

/// Counter-based random numbers (Philox-4x32-10, Salmon et al. 2011): a key of (seed, stream)
/// and a 128-bit counter of indices map to four independent 32-bit words. Any value can be
/// regenerated alone from its key and index, so results never depend on batch size, thread
/// count, order, shards or resume.
public struct Philox: Sendable, Hashable {
    /// The two 32-bit key words (from the seed).
    public let key: (UInt32, UInt32)
    /// The upper 64 bits of the counter (the stream: purpose, class, sample, candidate …).
    public let stream: UInt64

    public static func == (a: Philox, b: Philox) -> Bool { a.key == b.key && a.stream == b.stream }
    public func hash(into h: inout Hasher) { h.combine(key.0); h.combine(key.1); h.combine(stream) }

    /// A generator for `seed`, positioned on `stream` (use ``stream(_:)`` to derive sub-streams).
    public init(seed: UInt64, stream: UInt64 = 0) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        self.stream = stream
    }

    /// A sub-stream keyed by further indices (e.g. `rng.stream(purpose, cls, sample, candidate)`),
    /// mixed into the stream word with a SplitMix64 finaliser so different paths do not collide.
    public func stream(_ indices: UInt64...) -> Philox {
        var s = stream
        for i in indices { s = Philox.mix(s ^ Philox.mix(i &+ 0x9E37_79B9_7F4A_7C15)) }
        return Philox(key: key, stream: s)
    }

    private init(key: (UInt32, UInt32), stream: UInt64) { self.key = key; self.stream = stream }

    @inline(__always) static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0 &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The four 32-bit words of block `index` (Philox-4x32 with 10 rounds).
    @inline(__always)
    public func block(_ index: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: index), c1 = UInt32(truncatingIfNeeded: index >> 32)
        var c2 = UInt32(truncatingIfNeeded: stream), c3 = UInt32(truncatingIfNeeded: stream >> 32)
        var k0 = key.0, k1 = key.1
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: p1); c3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0; c2 = n2
            k0 &+= 0x9E37_79B9; k1 &+= 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// Uniform value in the open interval (0, 1) from a 32-bit word (24 significant bits).
    @inline(__always) static func unit(_ w: UInt32) -> Float { (Float(w >> 8) + 0.5) * (1.0 / 16_777_216.0) }

    /// Element `i` of the stream's uniform sequence, in (0, 1).
    @inline(__always)
    public func uniform(at i: Int) -> Float {
        let b = block(UInt64(i / 4))
        switch i & 3 { case 0: return Philox.unit(b.0); case 1: return Philox.unit(b.1)
        case 2: return Philox.unit(b.2); default: return Philox.unit(b.3) }
    }

    /// Element `i` of the stream's standard-normal sequence (Box–Muller on one block per pair).
    @inline(__always)
    public func normal(at i: Int) -> Float {
        let b = block(UInt64(i / 2))
        let (w0, w1) = (i & 1) == 0 ? (b.0, b.1) : (b.2, b.3)
        let r = (-2 * Foundation.log(Double(Philox.unit(w0)))).squareRoot()
        let theta = 2 * Double.pi * Double(Philox.unit(w1))
        return Float(r * Foundation.cos(theta))
    }

    /// Uniforms for indices `start ..< start + count`.
    public func uniforms(_ count: Int, from start: Int = 0) -> [Float] {
        let s = self
        return .filled(count) { dst in
            let d = SharedPointer(dst)
            parallelChunks(count, minChunk: 16_384) { r in for j in r { d[j] = s.uniform(at: start + j) } }
        }
    }

    /// Standard normals for indices `start ..< start + count`.
    public func normals(_ count: Int, from start: Int = 0) -> [Float] {
        let s = self
        return .filled(count) { dst in
            let d = SharedPointer(dst)
            parallelChunks(count, minChunk: 16_384) { r in for j in r { d[j] = s.normal(at: start + j) } }
        }
    }

    /// A tensor of standard normals of `shape` (indices 0 ..< count of this stream).
    public func normalTensor(_ shape: [Int]) -> Tensor { Tensor(normals(shape.product), shape: shape) }
    /// A tensor of uniforms in (0, 1).
    public func uniformTensor(_ shape: [Int]) -> Tensor { Tensor(uniforms(shape.product), shape: shape) }

    /// A uniform integer in 0 ..< n from element `i` (for shuffles and label dropout).
    public func integer(below n: Int, at i: Int) -> Int {
        let b = block(UInt64(i))
        let wide = (UInt64(b.0) << 32) | UInt64(b.1)
        return Int(wide.multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A uniformly random permutation of 0 ..< n (Fisher–Yates: element i picks the partner of
    /// position i, from the last position down).
    public func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, integer(below: i + 1, at: i)) }
        return order
    }
}
