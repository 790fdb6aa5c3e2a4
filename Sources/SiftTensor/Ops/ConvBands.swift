/// The convolution's forward pass in bands of output rows: each band's im2col columns are built from
/// a zero-padded copy of the input rows it reads and multiplied at once (``ColumnProduct``), so the
/// column matrix — nine times the input for a 3×3 kernel — never leaves the core's L2 cache.
/// Every output is the product ``ColumnProduct`` rounds, whatever the band, batch or thread count.
extension ConvGeometry {
    /// Floats of one band's column matrix to aim for (256 KB: within the L2 cache of the CPUs Sift
    /// runs on, with room for the padded input rows and the weights).
    static let bandFloats = 65_536

    /// Output rows per band: as many whole rows as keep the band's columns `[patch, rows · ow]`
    /// within ``bandFloats``, at least one.
    var bandRows: Int { max(1, min(oh, Self.bandFloats / max(1, patch * ow))) }

    /// Input rows read by `rows` output rows.
    func inputRows(_ rows: Int) -> Int { (rows - 1) * stride + kh }

    /// Columns of a padded band: input columns `−padding ..< (ow − 1)·stride − padding + kw`.
    var paddedWidth: Int { (ow - 1) * stride + kw }

    /// `out` `[N, O, oh, ow]` = the convolution of `x` `[N, C, H, W]` by `product`'s weights, plus
    /// `bias` `[O]` (or `+ 0`). Bands of all images are spread over ``Threads/count`` threads.
    func forward(_ x: UnsafePointer<Float>, product: ColumnProduct, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>) {
        let rowsPerBand = bandRows, bands = (oh + rowsPerBand - 1) / rowsPerBand
        let tasks = n * bands, workers = Swift.min(Threads.count, tasks)
        let bandSize = c * inputRows(rowsPerBand) * paddedWidth, columnsSize = patch * rowsPerBand * ow
        let input = SharedConstPointer(x), output = SharedPointer(out), biases = bias.map { SharedConstPointer($0) }
        parallelFor(workers) { worker in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: bandSize + columnsSize) { buffer in
                let band = buffer.baseAddress!, columns = band + bandSize
                for task in Swift.stride(from: worker, to: tasks, by: workers) {
                    let image = task / bands, y0 = (task % bands) * rowsPerBand, rows = Swift.min(rowsPerBand, oh - y0)
                    padBand(input.base + image * c * h * w, firstRow: y0, rows: rows, into: band)
                    bandColumns(band, rows: rows, into: columns)
                    product.apply(columns, count: rows * ow, out: output.base + image * o * pixels + y0 * ow, ldOut: pixels,
                                  bias: biases?.base, parallel: workers == 1)  // one band in all: its strips over the threads
                }
            }
        }
    }

    /// `band[ci, r, q]` = `img[ci, y0·stride − padding + r, q − padding]` (zero outside the image)
    /// for the `inputRows(rows)` input rows that output rows `y0 ..< y0 + rows` read.
    func padBand(_ img: UnsafePointer<Float>, firstRow y0: Int, rows: Int, into band: UnsafeMutablePointer<Float>) {
        let (inRows, wp) = (inputRows(rows), paddedWidth)
        let lead = Swift.min(padding, wp)                       // zeros before the image's first column
        let copied = Swift.max(0, Swift.min(w, wp - lead))      // image columns inside the band
        for ci in 0..<c {
            for r in 0..<inRows {
                let iy = y0 * stride - padding + r
                let dst = band + (ci * inRows + r) * wp
                guard iy >= 0 && iy < h else { dst.update(repeating: 0, count: wp); continue }
                dst.update(repeating: 0, count: lead)
                (dst + lead).update(from: img + (ci * h + iy) * w, count: copied)
                (dst + lead + copied).update(repeating: 0, count: wp - lead - copied)
            }
        }
    }

    /// The band's im2col columns: `columns[(ci·kh + dy)·kw + dx, (y − y0)·ow + x]` =
    /// `band[ci, (y − y0)·stride + dy, x·stride + dx]`, `[patch, rows · ow]`.
    func bandColumns(_ band: UnsafePointer<Float>, rows: Int, into columns: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let (inRows, wp, count) = (inputRows(rows), paddedWidth, rows * ow)
        let vectors = stride == 1 && ow >= V.scalarCount
        for ci in 0..<c { for dy in 0..<kh { for dx in 0..<kw {
            let row = columns + ((ci * kh + dy) * kw + dx) * count
            for y in 0..<rows {
                let src = band + (ci * inRows + y * stride + dy) * wp + dx, dst = row + y * ow
                if vectors {
                    // Whole vectors, the last one overlapping its neighbour (no scalar tail).
                    var x = 0
                    while true {
                        let at = Swift.min(x, ow - V.scalarCount)
                        UnsafeMutableRawPointer(dst + at).storeBytes(of: UnsafeRawPointer(src + at).loadUnaligned(as: V.self), as: V.self)
                        if at == ow - V.scalarCount { break }
                        x += V.scalarCount
                    }
                } else {
                    for x in 0..<ow { dst[x] = src[x * stride] }
                }
            }
        } } }
    }
}
