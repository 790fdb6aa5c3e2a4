/// Conversions from the 16-bit float formats stored in safetensors files to `Float`.
///
/// Both conversions are exact: every IEEE binary16 and every bfloat16 value is representable
/// as a binary32 value, so no rounding happens. NaN payloads are kept (shifted into the top
/// of the binary32 mantissa).
enum HalfFloat {
    /// Converts the bit pattern of an IEEE 754 binary16 value (1 sign, 5 exponent and
    /// 10 mantissa bits, exponent bias 15) to `Float`, including subnormals, infinities and NaN.
    static func float(fromHalfBits bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: value = mantissa × 2^-24, exact in binary32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            // Infinity (mantissa 0) or NaN (payload kept).
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            // Normal: rebias the exponent from 15 to 127 and widen the mantissa.
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// Converts the bit pattern of a bfloat16 value (the top half of a binary32) to `Float`.
    static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
