/// 64-bit FNV-1a, a small stable hash for identities that must not change between runs or
/// machines (cell ids, cache keys of weights files). Not cryptographic.
public enum FNV1a {
    /// The hash of `bytes` as 16 lowercase hex digits.
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
