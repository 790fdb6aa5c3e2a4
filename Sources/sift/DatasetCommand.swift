import ArgumentParser
import Foundation
import SiftData

/// `sift dataset …`: look at the training data.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Inspect the Fashion-MNIST data.", subcommands: [DatasetGrid.self])
}

/// `sift dataset grid`: the first N images of each class as a PNG grid (one row per class).
struct DatasetGrid: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grid", abstract: "Write a PNG grid of data images, one row per class.")
    @Option(help: "train or test.") var split: String = "test"
    @Option(help: "Images per class (columns).") var perClass: Int = 8
    @Option(help: "Folder with the four *-idx?-ubyte.gz files.") var data: String = FashionMNIST.defaultDirectory
    @Option(help: "Integer upscale factor of the grid.") var upscale: Int = 2
    @Option(help: "Output PNG path.") var out: String

    func validate() throws {
        guard FashionMNIST.Split(rawValue: split) != nil else { throw ValidationError("--split must be 'train' or 'test', got '\(split)'") }
        guard perClass > 0 else { throw ValidationError("--per-class must be positive, got \(perClass)") }
        guard upscale > 0 else { throw ValidationError("--upscale must be positive, got \(upscale)") }
    }

    func run() throws {
        let images = try FashionMNIST.load(split: FashionMNIST.Split(rawValue: split)!, directory: data)
        let pixelsPerImage = images.height * images.width
        var tiles: [Float] = []
        for cls in 0..<FashionMNIST.classNames.count {
            let indices = images.labels.indices.filter { images.labels[$0] == cls }.prefix(perClass)
            for i in indices { tiles += images.pixels[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)] }
            // Short classes leave blank tiles so rows stay aligned.
            tiles += [Float](repeating: -1, count: (perClass - indices.count) * pixelsPerImage)
        }
        let grid = ImageGrid(rows: FashionMNIST.classNames.count, columns: perClass,
                             tileHeight: images.height, tileWidth: images.width, padding: 2, background: 128, upscale: upscale)
        let png = try grid.compose(tiles, count: tiles.count / pixelsPerImage)
        let url = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: url)
        print("wrote \(out): \(FashionMNIST.classNames.count) classes × \(perClass) \(split) images (\(png.width)×\(png.height) px)")
    }
}
