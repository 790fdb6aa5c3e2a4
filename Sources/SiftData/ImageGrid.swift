/// Lays out equally sized image tiles in a grid, torchvision `make_grid` style: `padding`
/// pixels of `background` around and between tiles, tiles filled row by row, then the whole
/// picture enlarged `upscale` times by nearest neighbour.
///
/// Tile values are floats in [-1, 1] (clamped; NaN becomes -1) mapped to bytes with
/// `PixelMapping.byte`. Cells without a tile are left as background.
public struct ImageGrid: Sendable, Equatable {
    /// How the components of a multi-channel tile are ordered in the input.
    public enum Layout: Sendable, Equatable {
        /// Height × width × channels (components of a pixel adjacent).
        case interleaved
        /// Channels × height × width (one plane per channel, as in NCHW tensors).
        case planar
    }

    /// Number of tile rows (≥ 1).
    public var rows: Int
    /// Number of tile columns (≥ 1).
    public var columns: Int
    /// Tile height in pixels (≥ 1).
    public var tileHeight: Int
    /// Tile width in pixels (≥ 1).
    public var tileWidth: Int
    /// 1 (grey) or 3 (RGB).
    public var channels: Int
    /// Component order of the input tiles (matters only for 3 channels).
    public var layout: Layout
    /// Pixels of background around and between tiles, before upscaling (≥ 0).
    public var padding: Int
    /// The byte value of padding and empty cells (every channel).
    public var background: UInt8
    /// Integer enlargement factor of the finished picture (≥ 1).
    public var upscale: Int

    /// The grid Sift writes for samples: square grey tiles, 2 px of mid-grey between them,
    /// doubled in size.
    public static func samples(rows: Int, columns: Int, side: Int, upscale: Int = 2) -> ImageGrid {
        ImageGrid(rows: rows, columns: columns, tileHeight: side, tileWidth: side, padding: 2, background: 128, upscale: upscale)
    }

    /// Creates a grid description; values are checked when composing.
    public init(rows: Int, columns: Int, tileHeight: Int = 28, tileWidth: Int = 28,
                channels: Int = 1, layout: Layout = .interleaved, padding: Int = 2,
                background: UInt8 = 0, upscale: Int = 1) {
        self.rows = rows
        self.columns = columns
        self.tileHeight = tileHeight
        self.tileWidth = tileWidth
        self.channels = channels
        self.layout = layout
        self.padding = padding
        self.background = background
        self.upscale = upscale
    }

    /// Values per tile, `tileHeight × tileWidth × channels` (only used after validation).
    private var tileValueCount: Int { tileHeight * tileWidth * channels }

    /// Composes `count` tiles (`count × tileHeight × tileWidth × channels` floats in [-1, 1]) into a picture.
    /// - Throws: `ImageGridError` when a parameter is out of range, `count` exceeds
    ///   `rows × columns`, `values` has the wrong length, or the picture would be too large.
    public func compose(_ values: [Float], count: Int) throws -> PNGImage {
        let geometry = try checkedGeometry()
        guard count >= 0 else {
            throw ImageGridError.invalidParameter(name: "count", value: count, requirement: "≥ 0")
        }
        guard count <= geometry.cells else {
            throw ImageGridError.tooManyTiles(count: count, capacity: geometry.cells)
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: tileValueCount)
        guard !overflow, expected == values.count else {
            throw ImageGridError.valueCountMismatch(
                count: count, expected: overflow ? nil : expected, actual: values.count)
        }
        var pixels = [UInt8](repeating: background, count: geometry.width * geometry.height * channels)
        for tile in 0..<count {
            let (top, left) = origin(ofTile: tile)
            for y in 0..<tileHeight {
                for x in 0..<tileWidth {
                    for channel in 0..<channels {
                        let target = (((top + y) * geometry.width + left + x) * channels + channel)
                        pixels[target] = PixelMapping.byte(
                            values[sourceIndex(tile: tile, y: y, x: x, channel: channel)])
                    }
                }
            }
        }
        let picture = PNGImage(width: geometry.width, height: geometry.height,
                               channels: channels, pixels: pixels)
        return enlarged(picture)
    }

    /// Splits a picture made by `compose` back into all `rows × columns` tiles (empty cells
    /// included), as floats in [-1, 1] in this grid's layout. Reads the top-left pixel of
    /// each upscaled block.
    /// - Throws: `ImageGridError` when a parameter is out of range or the image does not
    ///   have the size and channel count this grid produces.
    public func tiles(from image: PNGImage) throws -> [Float] {
        let geometry = try checkedGeometry()
        let width = geometry.width * upscale, height = geometry.height * upscale
        guard image.width == width, image.height == height, image.channels == channels,
              image.pixels.count == width * height * channels else {
            throw ImageGridError.imageMismatch(
                expectedWidth: width, expectedHeight: height, expectedChannels: channels,
                width: image.width, height: image.height, channels: image.channels)
        }
        var values = [Float](repeating: 0, count: geometry.cells * tileValueCount)
        for tile in 0..<geometry.cells {
            let (top, left) = origin(ofTile: tile)
            for y in 0..<tileHeight {
                for x in 0..<tileWidth {
                    let row = (top + y) * upscale, column = (left + x) * upscale
                    for channel in 0..<channels {
                        let source = (row * width + column) * channels + channel
                        values[sourceIndex(tile: tile, y: y, x: x, channel: channel)] =
                            PixelMapping.unit(image.pixels[source])
                    }
                }
            }
        }
        return values
    }

    // MARK: Geometry

    /// Top-left pixel of a tile's cell before upscaling.
    private func origin(ofTile tile: Int) -> (top: Int, left: Int) {
        let row = tile / columns, column = tile % columns
        return (padding + row * (tileHeight + padding), padding + column * (tileWidth + padding))
    }

    /// Index of a component of a tile in the input array.
    private func sourceIndex(tile: Int, y: Int, x: Int, channel: Int) -> Int {
        switch layout {
        case .interleaved:
            return tile * tileValueCount + (y * tileWidth + x) * channels + channel
        case .planar:
            return tile * tileValueCount + (channel * tileHeight + y) * tileWidth + x
        }
    }

    /// Validates the parameters and returns the picture size before upscaling.
    private func checkedGeometry() throws -> (width: Int, height: Int, cells: Int) {
        let positive: [(String, Int)] = [("rows", rows), ("columns", columns),
                                         ("tileHeight", tileHeight), ("tileWidth", tileWidth),
                                         ("upscale", upscale)]
        for (name, value) in positive where value < 1 {
            throw ImageGridError.invalidParameter(name: name, value: value, requirement: "≥ 1")
        }
        guard channels == 1 || channels == 3 else {
            throw ImageGridError.invalidParameter(name: "channels", value: channels,
                                                  requirement: "1 or 3")
        }
        guard padding >= 0 else {
            throw ImageGridError.invalidParameter(name: "padding", value: padding,
                                                  requirement: "≥ 0")
        }
        let width = Self.span(count: columns, size: tileWidth, padding: padding)
        let height = Self.span(count: rows, size: tileHeight, padding: padding)
        let bytes = Self.product([width, height, upscale, upscale, channels])
        guard let width, let height, let bytes, bytes <= PNGImage.maxDecodedBytes,
              let cells = Self.product([rows, columns]) else {
            throw ImageGridError.tooLarge(
                width: width.flatMap { Self.product([$0, upscale]) },
                height: height.flatMap { Self.product([$0, upscale]) }, channels: channels)
        }
        return (width, height, cells)
    }

    /// `count × (size + padding) + padding`, or nil on overflow.
    private static func span(count: Int, size: Int, padding: Int) -> Int? {
        let (cell, o1) = size.addingReportingOverflow(padding)
        let (cells, o2) = count.multipliedReportingOverflow(by: cell)
        let (total, o3) = cells.addingReportingOverflow(padding)
        return o1 || o2 || o3 ? nil : total
    }

    private static func product(_ factors: [Int?]) -> Int? {
        var result = 1
        for factor in factors {
            guard let factor else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// Nearest-neighbour enlargement by `upscale`.
    private func enlarged(_ picture: PNGImage) -> PNGImage {
        guard upscale > 1 else { return picture }
        let width = picture.width * upscale, height = picture.height * upscale
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                let source = ((y / upscale) * picture.width + x / upscale) * channels
                let target = (y * width + x) * channels
                for channel in 0..<channels {
                    pixels[target + channel] = picture.pixels[source + channel]
                }
            }
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }
}
