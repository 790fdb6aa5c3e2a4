/// A problem found while encoding, decoding, reading or writing a PNG image.
public enum PNGError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The image to encode is inconsistent (size, channel count or pixel count).
    case invalidImage(reason: String)
    /// libpng refused to encode the image.
    case encodeFailed(reason: String)
    /// The data is not a PNG libpng can decode; `source` names the file.
    case decodeFailed(source: String, reason: String)
    /// The decoded image would need more memory than the reader allows.
    case tooLarge(source: String, width: Int, height: Int, channels: Int)
    /// The file could not be read at all.
    case readFailed(source: String, reason: String)
    /// The file could not be written (unwritable folder, disk full, invalid image, ...).
    case writeFailed(path: String, reason: String)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case let .invalidImage(reason):
            return "invalid PNG image: \(reason)"
        case let .encodeFailed(reason):
            return "cannot encode PNG: \(reason)"
        case let .decodeFailed(source, reason):
            return "\(source): cannot decode PNG: \(reason)"
        case let .tooLarge(source, width, height, channels):
            return "\(source): PNG of \(width)×\(height)×\(channels) is too large to decode"
        case let .readFailed(source, reason):
            return "\(source): cannot read PNG file: \(reason)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write PNG file: \(reason)"
        }
    }
}
