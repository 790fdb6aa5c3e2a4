/// Branch-free single-precision exp and tanh that the compiler can vectorise in plain loops
/// (libm calls cannot be). Accuracy: exp within 2 ulp over the normal range; tanh within 2e-7
/// absolute.
public enum FastMath {
    /// eˣ for Float: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for eʳ, then 2ⁿ
    /// through the exponent bits. Inputs are clamped to [−87.3, 88.3] (no infinities, no denormals).
    @inlinable @inline(__always)
    public static func exp(_ x0: Float) -> Float {
        // Comparisons, not min/max: NaN fails both and clamps to the low end (exp ≈ 0), so a NaN
        // input can never reach the Int32 conversion below (which traps).
        let low: Float = x0 > -87.3 ? x0 : -87.3
        let x: Float = low < 88.3 ? low : 88.3
        // Round to nearest with the 1.5·2²³ trick (plain SSE2 has no vector round instruction).
        let n = (x * 1.442_695_04 + 12_582_912) - 12_582_912
        // Cody–Waite split of ln 2 keeps r accurate.
        let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p: Float = 1.987_569_1e-4
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_66
        p = p * r + 0.5
        p = p * r * r + r + 1
        let scale = Float(bitPattern: UInt32(bitPattern: Int32(n) + 127) << 23)
        return p * scale
    }

    /// tanh(x) = 1 − 2/(e²ˣ + 1), odd-symmetric.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let a = Swift.min(Swift.abs(x), 9)
        let t = 1 - 2 / (exp(2 * a) + 1)
        return x < 0 ? -t : t
    }
}

/// Eight-lane versions, which the compiler keeps in vector registers (scalar loops over these
/// functions are not vectorised reliably).
extension FastMath {
    public typealias Vector = SIMD8<Float>

    /// Eight eˣ at once (same method as the scalar version). 2ⁿ is built without a float→int
    /// conversion: adding 1.5·2²³ + 127 leaves n + 127 in the low mantissa bits, and shifting the
    /// bit pattern left by 23 moves it into the exponent field.
    @inlinable @inline(__always)
    public static func exp(_ x0: Vector) -> Vector {
        let low = Vector(repeating: -87.3), high = Vector(repeating: 88.3)
        // Clamp with selects (the generic pointwise min/max are not inlined).
        // NaN lanes fail `.>` and take the low bound, as in the scalar version.
        let clampedLow = low.replacing(with: x0, where: x0 .> low)
        let x = clampedLow.replacing(with: high, where: clampedLow .> high)
        let shifted = x * 1.442_695_04 + (12_582_912 + 127)
        let n = shifted - (12_582_912 + 127)
        let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p = Vector(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_66
        p = p * r + 0.5
        p = p * r * r + r + 1
        let scale = Vector(bitPattern: shifted.bitPattern &<< 23)
        return p * scale
    }

    /// Eight tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)).
    @inlinable @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        let negative = x .< 0
        let magnitude = x.replacing(with: -x, where: negative)
        let nine = Vector(repeating: 9)
        let a = magnitude.replacing(with: nine, where: magnitude .> nine)
        let t = 1 - 2 / (exp(2 * a) + 1)
        return t.replacing(with: -t, where: negative)
    }
}

extension SIMD8 where Scalar == Float {
    /// The vector whose lanes have the given IEEE bit patterns.
    @inlinable @inline(__always)
    public init(bitPattern: SIMD8<UInt32>) {
        self = unsafeBitCast(bitPattern, to: SIMD8<Float>.self)
    }

    /// The IEEE bit patterns of the lanes.
    @inlinable @inline(__always)
    public var bitPattern: SIMD8<UInt32> { unsafeBitCast(self, to: SIMD8<UInt32>.self) }
}

/// Sixteen-lane eˣ that gives the scalar ``FastMath/exp(_:)-(Float)``'s bits in every lane, for
/// loops whose results are pinned to the scalar version (softmax). It rounds n with the same
/// 1.5·2²³ constant as the scalar code and reads n from the rounded sum's bit pattern (its low
/// mantissa bits hold 2²² + n), where the eight-lane version adds 127 before rounding and can
/// round an exact tie the other way.
extension FastMath {
    public typealias Vector16 = SIMD16<Float>

    @inlinable @inline(__always)
    public static func exp(_ x0: Vector16) -> Vector16 {
        let low = Vector16(repeating: -87.3), high = Vector16(repeating: 88.3)
        let clampedLow = low.replacing(with: x0, where: x0 .> low)
        let x = clampedLow.replacing(with: high, where: clampedLow .> high)
        let rounded = x * 1.442_695_04 + 12_582_912
        let n = rounded - 12_582_912
        let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p = Vector16(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_66
        p = p * r + 0.5
        p = p * r * r + r + 1
        // bits(rounded) = bits(1.5·2²³) + n, so n + 127 = bits − 0x4B40_0000 + 127.
        let bits = unsafeBitCast(rounded, to: SIMD16<UInt32>.self)
        let scale = unsafeBitCast((bits &- 0x4B40_0000 &+ 127) &<< 23, to: Vector16.self)
        return p * scale
    }
}
