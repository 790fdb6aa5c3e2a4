/// A problem with a labelled image data set whose files are individually valid IDX files.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An IDX file has the wrong number of dimensions (images need 3, labels 1).
    case wrongRank(source: String, dims: [Int], expected: Int)
    /// The image and label files hold different numbers of items.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A label is not below the number of classes.
    case labelOutOfRange(source: String, index: Int, label: Int, classCount: Int)
    /// The pixel array does not hold `count × height × width` values.
    case pixelCountMismatch(expected: Int?, actual: Int)

    /// A one-line message naming the file and the offending value.
    public var description: String {
        switch self {
        case let .wrongRank(source, dims, expected):
            return "\(source): expected \(expected) IDX dimensions, found \(dims)"
        case let .countMismatch(images, imageCount, labels, labelCount):
            return "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels"
        case let .labelOutOfRange(source, index, label, classCount):
            return "\(source): label \(label) at index \(index) is not below the class count "
                + "\(classCount)"
        case let .pixelCountMismatch(expected, actual):
            let want = expected.map(String.init) ?? "more than Int holds"
            return "image set needs \(want) pixel values, found \(actual)"
        }
    }
}
