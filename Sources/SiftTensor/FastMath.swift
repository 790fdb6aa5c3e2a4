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

/// Sixteen-lane versions (one AVX-512 register, two AVX2 ones), which the compiler keeps in vector
/// registers (scalar loops over these functions are not vectorised reliably). Every lane gets the
/// same operations, so a value's bits never depend on its lane or on how many vectors are in flight.
/// They are `@_transparent` (always inlined): with `@inline(__always)` the optimiser left some of
/// several calls in one loop out of line, passing each vector in four 4-float registers.
extension FastMath {
    public typealias Vector16 = SIMD16<Float>

    /// eˣ in every lane (the scalar version's method, except how n is rounded: see
    /// ``exp(matchingScalar:)``). 2ⁿ is built without a float→int conversion: adding 1.5·2²³ + 127
    /// leaves n + 127 in the low mantissa bits, and shifting the bit pattern left by 23 moves it
    /// into the exponent field.
    @_transparent
    public static func exp(_ x0: Vector16) -> Vector16 {
        let x = clampedExponent(x0)
        let shifted = x * 1.442_695_04 + (12_582_912 + 127)
        let n = shifted - (12_582_912 + 127)
        let scale = Vector16(bitPattern: shifted.bitPattern &<< 23)
        return expPolynomial(x, n) * scale
    }

    /// Sixteen eˣ with the scalar ``exp(_:)-(Float)``'s bits in every lane, for loops whose
    /// results are pinned to the scalar version (softmax). It rounds n with the same 1.5·2²³
    /// constant as the scalar code and reads n from the rounded sum's bit pattern (its low mantissa
    /// bits hold 2²² + n), where ``exp(_:)-(Vector16)`` adds 127 before rounding and can round an
    /// exact tie the other way.
    @_transparent
    public static func exp(matchingScalar x0: Vector16) -> Vector16 {
        let x = clampedExponent(x0)
        let rounded = x * 1.442_695_04 + 12_582_912
        let n = rounded - 12_582_912
        // bits(rounded) = bits(1.5·2²³) + n, so n + 127 = bits − 0x4B40_0000 + 127.
        let scale = Vector16(bitPattern: (rounded.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return expPolynomial(x, n) * scale
    }

    /// x clamped to [−87.3, 88.3] with selects (the generic pointwise min/max are not inlined);
    /// NaN lanes fail `.>` and take the low bound, as in the scalar version.
    @_transparent @usableFromInline
    static func clampedExponent(_ x0: Vector16) -> Vector16 {
        let low = Vector16(repeating: -87.3), high = Vector16(repeating: 88.3)
        let clampedLow = low.replacing(with: x0, where: x0 .> low)
        return clampedLow.replacing(with: high, where: clampedLow .> high)
    }

    /// eʳ for r = x − n·ln2 (Cody–Waite split), by the scalar version's degree-6 polynomial.
    @_transparent @usableFromInline
    static func expPolynomial(_ x: Vector16, _ n: Vector16) -> Vector16 {
        let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p = Vector16(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_66
        p = p * r + 0.5
        return p * r * r + r + 1
    }

    /// Sixteen tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)).
    @_transparent
    public static func tanh(_ x: Vector16) -> Vector16 {
        let negative = x .< 0
        let magnitude = x.replacing(with: -x, where: negative)
        let nine = Vector16(repeating: 9)
        let a = magnitude.replacing(with: nine, where: magnitude .> nine)
        let t = 1 - 2 / (exp(2 * a) + 1)
        return t.replacing(with: -t, where: negative)
    }
}

extension SIMD16 where Scalar == Float {
    /// The vector whose lanes have the given IEEE bit patterns.
    @inlinable @inline(__always)
    public init(bitPattern: SIMD16<UInt32>) {
        self = unsafeBitCast(bitPattern, to: SIMD16<Float>.self)
    }

    /// The IEEE bit patterns of the lanes.
    @inlinable @inline(__always)
    public var bitPattern: SIMD16<UInt32> { unsafeBitCast(self, to: SIMD16<UInt32>.self) }
}
