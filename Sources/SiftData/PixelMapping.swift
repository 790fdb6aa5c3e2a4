/// The mapping between 8-bit pixels and the [-1, 1] floats the models work on.
public enum PixelMapping {
    /// Maps a byte to [-1, 1]: `p / 127.5 - 1` (0 → -1, 255 → 1).
    @inlinable
    public static func unit(_ byte: UInt8) -> Float {
        Float(byte) / 127.5 - 1
    }

    /// Maps a float to a byte: clamps to [-1, 1], then `(x + 1) · 127.5` rounded to nearest.
    /// NaN maps to 0. `byte(unit(p)) == p` for every byte `p`.
    @inlinable
    public static func byte(_ value: Float) -> UInt8 {
        guard !value.isNaN else { return 0 }
        let clamped = Swift.min(Swift.max(value, -1), 1)
        return UInt8(((clamped + 1) * 127.5).rounded())
    }

    /// Maps every byte to [-1, 1] (see `unit(_:)`).
    public static func units(_ bytes: [UInt8]) -> [Float] {
        let table = (0...255).map { unit(UInt8($0)) }
        return bytes.map { table[Int($0)] }
    }

    /// Maps every float to a byte (see `byte(_:)`).
    public static func bytes(_ values: [Float]) -> [UInt8] {
        values.map(byte)
    }
}
