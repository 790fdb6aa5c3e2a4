import Foundation
import Testing
import SiftData

/// Whether Debian's Fashion-MNIST files are installed on this machine.
private let fashionMNISTInstalled = FashionMNIST.Split.allCases.allSatisfy { split in
    let files = FashionMNIST.files(split: split)
    return FileManager.default.fileExists(atPath: files.images.path)
        && FileManager.default.fileExists(atPath: files.labels.path)
}

/// Loading labelled image sets: the real Fashion-MNIST files and hand-built ones.
@Suite struct FashionMNISTTests {
    @Test(.enabled(if: fashionMNISTInstalled, "Fashion-MNIST is not installed"),
          arguments: [(FashionMNIST.Split.train, 60_000), (.test, 10_000)])
    func loadsTheInstalledSplit(split: FashionMNIST.Split, count: Int) throws {
        let set = try FashionMNIST.load(split: split)
        #expect(set.count == count)
        #expect(set.height == 28 && set.width == 28)
        #expect(set.pixels.count == count * 28 * 28)
        #expect(set.labels.count == count)
        var perClass = [Int](repeating: 0, count: 10)
        for label in set.labels { perClass[label] += 1 }
        #expect(perClass == [Int](repeating: count / 10, count: 10))
        let low = set.pixels.min() ?? 0, high = set.pixels.max() ?? 0
        #expect(low == -1 && high == 1)
        // Fashion-MNIST images are mostly black background.
        let background = set.pixels.prefix(28 * 28).filter { $0 == -1 }.count
        #expect(background > 200)
    }

    @Test func classNames() {
        #expect(FashionMNIST.classNames.count == 10)
        #expect(FashionMNIST.classNames[0] == "T-shirt/top" && FashionMNIST.classNames[9] == "Ankle boot")
    }

    @Test func loadsHandBuiltFilesFromADirectory() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pixels: [UInt8] = [0, 255, 51, 204, 127, 128, 1, 2, 3, 4, 5, 6]
        try write(idxBytes(dims: [3, 2, 2], data: pixels), gzipped: true,
                  to: folder.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        try write(idxBytes(dims: [3], data: [9, 0, 4]), gzipped: true,
                  to: folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        let set = try FashionMNIST.load(split: .test, directory: folder.path)
        #expect(set.count == 3 && set.height == 2 && set.width == 2)
        #expect(set.labels == [9, 0, 4])
        #expect(set.pixels == pixels.map { Float($0) / 127.5 - 1 })
        #expect(set.pixels[0] == -1 && set.pixels[1] == 1)
    }

    @Test func countMismatchNamesBothFiles() throws {
        let (images, labels, folder) = try makeFiles(imageDims: [3, 2, 2], labels: [1, 2])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: DatasetError.self) {
            try LabeledImages.load(images: images, labels: labels, classCount: 10)
        }
        #expect(error == .countMismatch(images: images.path, imageCount: 3,
                                        labels: labels.path, labelCount: 2))
    }

    @Test func labelOutOfRangeNamesTheFile() throws {
        let (images, labels, folder) = try makeFiles(imageDims: [3, 2, 2], labels: [1, 10, 2])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: DatasetError.self) {
            try LabeledImages.load(images: images, labels: labels, classCount: 10)
        }
        #expect(error == .labelOutOfRange(source: labels.path, index: 1, label: 10, classCount: 10))
        #expect(error.map { "\($0)" }?.contains(labels.path) == true)
    }

    @Test func wrongRankNamesTheFile() throws {
        let (images, labels, folder) = try makeFiles(imageDims: [3, 4], labels: [1, 2, 3])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: DatasetError.self) {
            try LabeledImages.load(images: images, labels: labels, classCount: 10)
        }
        #expect(error == .wrongRank(source: images.path, dims: [3, 4], expected: 3))
    }

    @Test func missingDirectoryNamesTheFile() {
        let error = #expect(throws: IDXError.self) {
            try FashionMNIST.load(split: .train, directory: "/nonexistent/fashion")
        }
        #expect(error.map { "\($0)" }?.contains("/nonexistent/fashion/train-images-idx3-ubyte.gz") == true)
    }

    @Test func initializerChecksPixelCount() throws {
        let set = try LabeledImages(height: 2, width: 2, pixels: [Float](repeating: 0, count: 8), labels: [0, 1])
        #expect(set.count == 2)
        #expect(throws: DatasetError.pixelCountMismatch(expected: 8, actual: 7)) {
            try LabeledImages(height: 2, width: 2, pixels: [Float](repeating: 0, count: 7), labels: [0, 1])
        }
        #expect(throws: DatasetError.self) {
            try LabeledImages(height: Int.max, width: 2, pixels: [], labels: [0])
        }
    }

    // MARK: Helpers

    private func write(_ bytes: [UInt8], gzipped: Bool, to url: URL) throws {
        try Data(gzipped ? try gzip(bytes) : bytes).write(to: url)
    }

    private func makeFiles(imageDims: [Int], labels: [UInt8]) throws -> (URL, URL, URL) {
        let folder = try temporaryFolder()
        let images = folder.appendingPathComponent("images-idx3-ubyte")
        let labelFile = folder.appendingPathComponent("labels-idx1-ubyte")
        let count = imageDims.reduce(1, *)
        try write(idxBytes(dims: imageDims, data: [UInt8](repeating: 7, count: count)), gzipped: false, to: images)
        try write(idxBytes(dims: [labels.count], data: labels), gzipped: false, to: labelFile)
        return (images, labelFile, folder)
    }
}
