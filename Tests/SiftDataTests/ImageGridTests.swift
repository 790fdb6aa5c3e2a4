import Foundation
import Testing
import SiftData

/// Grid composition: placement, padding, blank cells, upscaling, clamping and errors.
@Suite struct ImageGridTests {
    /// 2 × 3 cells of 2 × 3 grey tiles, 1 px padding of value 50, 4 tiles given.
    private let grid = ImageGrid(rows: 2, columns: 3, tileHeight: 2, tileWidth: 3,
                                 padding: 1, background: 50)

    /// Byte of pixel (y, x) of tile `tile`: distinct for every tile pixel and never 50.
    private func tileByte(_ tile: Int, _ y: Int, _ x: Int) -> UInt8 {
        UInt8(60 + 40 * tile + 3 * y + x)
    }

    private var fourTiles: [Float] {
        (0..<4).flatMap { tile in
            (0..<2).flatMap { y in (0..<3).map { x in PixelMapping.unit(tileByte(tile, y, x)) } }
        }
    }

    @Test func placesTilesRowByRowWithPaddingAndBlankCells() throws {
        let image = try grid.compose(fourTiles, count: 4)
        #expect(image.width == 13 && image.height == 7 && image.channels == 1)
        #expect(image.pixels.count == 13 * 7)
        func pixel(_ y: Int, _ x: Int) -> UInt8 { image.pixels[y * 13 + x] }
        // Hand-computed corners: tile 0 starts at (1, 1), tile 2 at (1, 9), tile 3 at (4, 1).
        #expect(pixel(1, 1) == tileByte(0, 0, 0))
        #expect(pixel(2, 3) == tileByte(0, 1, 2))
        #expect(pixel(1, 9) == tileByte(2, 0, 0))
        #expect(pixel(4, 1) == tileByte(3, 0, 0))
        #expect(pixel(5, 3) == tileByte(3, 1, 2))
        // Every pixel: a tile pixel where a given tile lies, background elsewhere.
        var expected = [UInt8](repeating: 50, count: 13 * 7)
        for tile in 0..<4 {
            let top = 1 + (tile / 3) * 3, left = 1 + (tile % 3) * 4
            for y in 0..<2 { for x in 0..<3 { expected[(top + y) * 13 + left + x] = tileByte(tile, y, x) } }
        }
        #expect(image.pixels == expected)
        // Cells 4 and 5 are blank.
        #expect((4...5).allSatisfy { pixel($0, 5) == 50 && pixel($0, 9) == 50 })
    }

    @Test func zeroTilesGiveABackgroundImage() throws {
        let image = try grid.compose([], count: 0)
        #expect(image.pixels == [UInt8](repeating: 50, count: 13 * 7))
    }

    @Test func upscalesByNearestNeighbour() throws {
        let base = try grid.compose(fourTiles, count: 4)
        var large = grid
        large.upscale = 3
        let image = try large.compose(fourTiles, count: 4)
        #expect(image.width == 39 && image.height == 21)
        var mismatches = 0
        for y in 0..<21 {
            for x in 0..<39 where image.pixels[y * 39 + x] != base.pixels[(y / 3) * 13 + x / 3] {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    @Test func clampsAndRoundsValues() throws {
        let strip = ImageGrid(rows: 1, columns: 1, tileHeight: 1, tileWidth: 8, padding: 0)
        let values: [Float] = [2, -5, .nan, 0, 0.999, -.infinity, .infinity, 0.5 / 127.5]
        let image = try strip.compose(values, count: 1)
        #expect(image.pixels == [255, 0, 0, 128, 255, 0, 255, 128])
    }

    @Test func pixelMappingRoundTripsEveryByte() {
        let all = (0...255).map { UInt8($0) }
        #expect(PixelMapping.bytes(PixelMapping.units(all)) == all)
        #expect(PixelMapping.unit(0) == -1 && PixelMapping.unit(255) == 1)
        #expect(PixelMapping.byte(-1) == 0 && PixelMapping.byte(1) == 255)
    }

    @Test func interleavedAndPlanarRGBAgree() throws {
        // One 1 × 2 RGB tile: pixel 0 = (255, 0, 128), pixel 1 = (0, 255, 0).
        let r0: Float = 1, g0: Float = -1, b0: Float = 0, r1: Float = -1, g1: Float = 1, b1: Float = -1
        let interleaved = ImageGrid(rows: 1, columns: 2, tileHeight: 1, tileWidth: 2, channels: 3,
                                    padding: 1, background: 9)
        var planar = interleaved
        planar.layout = .planar
        let a = try interleaved.compose([r0, g0, b0, r1, g1, b1], count: 1)
        let b = try planar.compose([r0, r1, g0, g1, b0, b1], count: 1)
        #expect(a == b)
        #expect(a.width == 7 && a.height == 3 && a.channels == 3)
        let row1 = Array(a.pixels[(7 * 3)..<(14 * 3)])
        #expect(row1 == [9, 9, 9, 255, 0, 128, 0, 255, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9])
    }

    @Test(arguments: [ImageGrid.Layout.interleaved, .planar])
    func tilesReadBackWhatComposeWrote(layout: ImageGrid.Layout) throws {
        var random = SplitMix64(seed: 21)
        let rgb = ImageGrid(rows: 3, columns: 2, tileHeight: 5, tileWidth: 4, channels: 3,
                            layout: layout, padding: 2, background: 17, upscale: 2)
        let values = (0..<(5 * 60)).map { _ in Float(random.next() % 1000) / 400 - 1.25 }
        let image = try rgb.compose(values, count: 5)
        let decoded = try PNGImage.decode(try image.encode(), source: "grid")
        let tiles = try rgb.tiles(from: decoded)
        #expect(tiles.count == 6 * 60)
        let quantized = values.map { PixelMapping.unit(PixelMapping.byte($0)) }
        #expect(Array(tiles.prefix(300)) == quantized)
        #expect(tiles.suffix(60).allSatisfy { $0 == PixelMapping.unit(17) })
    }

    @Test func tooManyTilesThrow() {
        #expect(throws: ImageGridError.tooManyTiles(count: 7, capacity: 6)) {
            try grid.compose([Float](repeating: 0, count: 7 * 6), count: 7)
        }
    }

    @Test func wrongValueCountThrows() {
        #expect(throws: ImageGridError.valueCountMismatch(count: 2, expected: 12, actual: 11)) {
            try grid.compose([Float](repeating: 0, count: 11), count: 2)
        }
    }

    @Test(arguments: [("rows", 0), ("columns", -1), ("tileHeight", 0), ("tileWidth", 0),
                      ("channels", 2), ("padding", -1), ("upscale", 0), ("count", -1)])
    func invalidParametersThrow(name: String, value: Int) {
        var bad = grid
        var count = 0
        switch name {
        case "rows": bad.rows = value
        case "columns": bad.columns = value
        case "tileHeight": bad.tileHeight = value
        case "tileWidth": bad.tileWidth = value
        case "channels": bad.channels = value
        case "padding": bad.padding = value
        case "upscale": bad.upscale = value
        default: count = value
        }
        let error = #expect(throws: ImageGridError.self) { try bad.compose([], count: count) }
        guard case .invalidParameter(name, value, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }

    @Test func hugeGridsThrowInsteadOfAllocating() {
        let huge = ImageGrid(rows: 100_000, columns: 100_000)
        #expect(throws: ImageGridError.self) { try huge.compose([], count: 0) }
        let overflowing = ImageGrid(rows: Int.max, columns: Int.max, upscale: Int.max)
        #expect(throws: ImageGridError.self) { try overflowing.compose([], count: 0) }
    }

    @Test func tilesRejectsAnImageOfTheWrongSize() throws {
        let image = PNGImage(width: 12, height: 7, channels: 1, pixels: [UInt8](repeating: 0, count: 84))
        #expect(throws: ImageGridError.self) { try grid.tiles(from: image) }
    }
}
