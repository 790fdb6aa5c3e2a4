/// A problem with the parameters or input of an `ImageGrid`.
public enum ImageGridError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A grid parameter is out of range (named with its offending value).
    case invalidParameter(name: String, value: Int, requirement: String)
    /// More tiles were given than the grid has cells.
    case tooManyTiles(count: Int, capacity: Int)
    /// The value array does not hold `count` tiles.
    case valueCountMismatch(count: Int, expected: Int?, actual: Int)
    /// The composed image would be larger than `PNGImage.maxDecodedBytes`.
    case tooLarge(width: Int?, height: Int?, channels: Int)
    /// An image to split into tiles does not have the grid's size or channel count.
    case imageMismatch(expectedWidth: Int, expectedHeight: Int, expectedChannels: Int,
                       width: Int, height: Int, channels: Int)

    /// A one-line message naming the offending value.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, requirement):
            return "image grid: \(name) = \(value) is invalid; it must be \(requirement)"
        case let .tooManyTiles(count, capacity):
            return "image grid: \(count) tiles do not fit in \(capacity) cells"
        case let .valueCountMismatch(count, expected, actual):
            let want = expected.map(String.init) ?? "more than Int holds"
            return "image grid: \(count) tiles need \(want) values, found \(actual)"
        case let .tooLarge(width, height, channels):
            let size = "\(width.map(String.init) ?? "?")×\(height.map(String.init) ?? "?")"
            return "image grid: a \(size)×\(channels) image is too large"
        case let .imageMismatch(expectedWidth, expectedHeight, expectedChannels,
                                width, height, channels):
            return "image grid: expected a \(expectedWidth)×\(expectedHeight)×\(expectedChannels) "
                + "image, found \(width)×\(height)×\(channels)"
        }
    }
}
