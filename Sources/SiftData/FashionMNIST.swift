import Foundation

/// The Fashion-MNIST data set (28×28 grey images of 10 clothing classes; 60,000 training
/// and 10,000 test images), read from the gzip-compressed IDX files that Debian's
/// `dataset-fashion-mnist` package installs.
public enum FashionMNIST {
    /// Which half of the data set to load.
    public enum Split: String, Sendable, CaseIterable {
        /// The 60,000 training images.
        case train
        /// The 10,000 test images.
        case test

        /// The file name prefix of the split (`train` or `t10k`).
        var filePrefix: String {
            switch self {
            case .train: return "train"
            case .test: return "t10k"
            }
        }
    }

    /// Where Debian installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// The ten class names, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The image and label files of `split` in `directory`
    /// (`<prefix>-images-idx3-ubyte.gz`, `<prefix>-labels-idx1-ubyte.gz`).
    public static func files(split: Split, directory: String = defaultDirectory)
        -> (images: URL, labels: URL)
    {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        return (folder.appendingPathComponent("\(split.filePrefix)-images-idx3-ubyte.gz"),
                folder.appendingPathComponent("\(split.filePrefix)-labels-idx1-ubyte.gz"))
    }

    /// Loads one split, pixels mapped to [-1, 1]. Any IDX data set with the same file names
    /// and at most 10 classes can be loaded by passing its `directory`.
    /// - Throws: `IDXError` or `DatasetError` naming the offending file.
    public static func load(split: Split, directory: String = defaultDirectory) throws
        -> LabeledImages
    {
        let (images, labels) = files(split: split, directory: directory)
        return try LabeledImages.load(images: images, labels: labels, classCount: classNames.count)
    }
}
