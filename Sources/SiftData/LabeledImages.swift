import Foundation

/// A set of single-channel images with integer class labels, pixels mapped to [-1, 1].
public struct LabeledImages: Sendable, Equatable {
    /// The number of images (and labels).
    public let count: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// `count × height × width` values in [-1, 1], row-major (`p / 127.5 - 1` for bytes `p`).
    public let pixels: [Float]
    /// One class index per image.
    public let labels: [Int]

    /// Creates an image set; the count is the number of labels.
    /// - Throws: `DatasetError.pixelCountMismatch` when `pixels` does not hold
    ///   `labels.count × height × width` values.
    public init(height: Int, width: Int, pixels: [Float], labels: [Int]) throws {
        let expected = Self.product([labels.count, height, width])
        guard height >= 0, width >= 0, let expected, expected == pixels.count else {
            throw DatasetError.pixelCountMismatch(expected: expected, actual: pixels.count)
        }
        self.count = labels.count
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// Loads an image IDX file (3 dimensions: count, rows, columns) and a label IDX file
    /// (1 dimension), gzip-compressed or plain.
    /// - Throws: `IDXError` for unreadable or malformed files, `DatasetError` when the ranks
    ///   are wrong, the counts differ, or a label is not below `classCount`.
    public static func load(images: URL, labels: URL, classCount: Int) throws -> LabeledImages {
        let imageArray = try IDXArray.read(from: images)
        let labelArray = try IDXArray.read(from: labels)
        guard imageArray.dims.count == 3 else {
            throw DatasetError.wrongRank(source: images.path, dims: imageArray.dims, expected: 3)
        }
        guard labelArray.dims.count == 1 else {
            throw DatasetError.wrongRank(source: labels.path, dims: labelArray.dims, expected: 1)
        }
        guard imageArray.dims[0] == labelArray.dims[0] else {
            throw DatasetError.countMismatch(
                images: images.path, imageCount: imageArray.dims[0],
                labels: labels.path, labelCount: labelArray.dims[0])
        }
        if let index = labelArray.bytes.firstIndex(where: { Int($0) >= classCount }) {
            throw DatasetError.labelOutOfRange(
                source: labels.path, index: index, label: Int(labelArray.bytes[index]),
                classCount: classCount)
        }
        return try LabeledImages(
            height: imageArray.dims[1], width: imageArray.dims[2],
            pixels: PixelMapping.units(imageArray.bytes), labels: labelArray.bytes.map(Int.init))
    }

    private static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = next
        }
        return result
    }
}
