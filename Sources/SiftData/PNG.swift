import CPNG
import Foundation
import SiftTensor
import SiftUtilities

/// An 8-bit greyscale or RGB image, encoded and decoded through libpng's simplified API
/// (which keeps libpng's `longjmp` error handling inside C).
public struct PNGImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Components per pixel: 1 (grey) or 3 (RGB).
    public var channels: Int
    /// `height × width × channels` bytes, rows top to bottom, components interleaved.
    public var pixels: [UInt8]

    /// The largest pixel buffer `decode` allocates (1 GiB).
    public static let maxDecodedBytes = 1 << 30

    /// Creates an image; `encode()` checks that the fields are consistent.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    // MARK: Encoding

    /// Encodes the image as an 8-bit PNG.
    /// - Throws: `PNGError.invalidImage` when the size is not positive, `channels` is not 1 or
    ///   3, or `pixels` does not hold `height × width × channels` bytes; `.encodeFailed` when
    ///   libpng reports an error.
    public func encode() throws -> Data {
        try validate()
        var image = makeImage()
        var size: png_alloc_size_t = 0
        let measured = pixels.withUnsafeBytes { buffer in
            png_image_write_to_memory(&image, nil, &size, 0, buffer.baseAddress, 0, nil)
        }
        guard measured != 0, size > 0 else {
            throw PNGError.encodeFailed(reason: message(of: &image))
        }
        var output = [UInt8](repeating: 0, count: Int(size))
        image = makeImage()
        let written = output.withUnsafeMutableBytes { target in
            pixels.withUnsafeBytes { buffer in
                png_image_write_to_memory(&image, target.baseAddress, &size, 0,
                                          buffer.baseAddress, 0, nil)
            }
        }
        guard written != 0, Int(size) <= output.count else {
            throw PNGError.encodeFailed(reason: message(of: &image))
        }
        return Data(output[..<Int(size)])
    }

    /// Encodes the image and writes it to `url` atomically (a temporary file in the same
    /// folder, flushed, then renamed over `url`).
    /// - Throws: `PNGError.writeFailed` naming the path, also when the image is invalid.
    public func write(to url: URL) throws {
        let data: Data
        do {
            data = try encode()
        } catch let error as PNGError {
            throw PNGError.writeFailed(path: url.path, reason: error.description)
        }
        do {
            try writeFileAtomically(data, to: url)
        } catch {
            throw PNGError.writeFailed(path: url.path, reason: error.reason)
        }
    }

    private func validate() throws {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw PNGError.invalidImage(reason: "size \(width)×\(height) is not positive or too large")
        }
        guard channels == 1 || channels == 3 else {
            throw PNGError.invalidImage(reason: "\(channels) channels; only 1 (grey) or 3 (RGB)")
        }
        let (rowBytes, rowOverflow) = width.multipliedReportingOverflow(by: channels)
        let (total, totalOverflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard !rowOverflow, !totalOverflow, rowBytes <= Int(Int32.max) else {
            throw PNGError.invalidImage(reason: "size \(width)×\(height)×\(channels) is too large")
        }
        guard total == pixels.count else {
            throw PNGError.invalidImage(
                reason: "\(width)×\(height)×\(channels) needs \(total) bytes, found \(pixels.count)")
        }
    }

    private func makeImage() -> png_image {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = channels == 3 ? formatRGB : formatGrey
        return image
    }

    // MARK: Decoding

    /// Reads and decodes the PNG file at `url`.
    /// - Throws: `PNGError` naming the file.
    public static func read(from url: URL) throws -> PNGImage {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PNGError.readFailed(source: url.path, reason: error.localizedDescription)
        }
        return try decode(data, source: url.path)
    }

    /// Decodes PNG bytes to 8 bits per component: colour images (palette included) become
    /// RGB, the others grey; an alpha channel is composited onto black. `source` names the
    /// data in error messages.
    /// - Throws: `PNGError.decodeFailed` for data libpng rejects, `.tooLarge` past
    ///   `maxDecodedBytes`.
    public static func decode(_ data: Data, source: String) throws -> PNGImage {
        let bytes = [UInt8](data)
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        return try bytes.withUnsafeBytes { memory in
            guard png_image_begin_read_from_memory(&image, memory.baseAddress, memory.count) != 0
            else {
                // On failure libpng has already released its state.
                throw PNGError.decodeFailed(source: source, reason: message(of: &image))
            }
            let isColour = image.format & formatRGB != 0
            let channels = isColour ? 3 : 1
            let width = Int(image.width), height = Int(image.height)
            let (area, areaOverflow) = width.multipliedReportingOverflow(by: height)
            let (total, totalOverflow) = area.multipliedReportingOverflow(by: channels)
            guard !areaOverflow, !totalOverflow, total <= maxDecodedBytes,
                  width * channels <= Int(Int32.max)
            else {
                png_image_free(&image)
                throw PNGError.tooLarge(source: source, width: width, height: height,
                                        channels: channels)
            }
            image.format = isColour ? formatRGB : formatGrey
            var pixels = [UInt8](repeating: 0, count: total)
            let finished = pixels.withUnsafeMutableBytes { target in
                png_image_finish_read(&image, nil, target.baseAddress, 0, nil)
            }
            guard finished != 0 else {
                defer { png_image_free(&image) }
                throw PNGError.decodeFailed(source: source, reason: message(of: &image))
            }
            return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
        }
    }
}

/// `PNG_FORMAT_GRAY`: one 8-bit component per pixel.
private let formatGrey: png_uint_32 = 0
/// `PNG_FORMAT_RGB` (= `PNG_FORMAT_FLAG_COLOR`): three 8-bit sRGB components per pixel.
private let formatRGB = png_uint_32(PNG_FORMAT_FLAG_COLOR)

/// The libpng message stored in a `png_image` after a failed call.
private func message(of image: inout png_image) -> String {
    let text = withUnsafeBytes(of: &image.message) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    return text.isEmpty ? "libpng reported an error" : text
}
