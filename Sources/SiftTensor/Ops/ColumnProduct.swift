/// A convolution's product `W[O, K] · columns[K, count]` (its weights times a band of its im2col
/// column matrix, one column per output pixel), written straight into the NCHW output with the
/// bias added — no transposed copy of the columns and no `[O, count]` intermediate.
///
/// Bit for bit ``PackedLinear`` on the transposed input (and OpenBLAS's batch-stable SkylakeX
/// product): each output is one chain of fused multiply-adds per ``BLAS/stableDepth`` chunk in depth
/// order, the chunks added in order, then the bias (``ColumnTileKernel``). Columns are independent,
/// so a pixel's value does not depend on how many images came with it or on the thread count.
public final class ColumnProduct {
    /// Rows of the column matrix (`C · kh · kw`).
    public let depth: Int
    /// Output channels.
    public let outputs: Int
    /// The weights in blocks of ``ColumnTileKernel/rows`` output rows, depth-major:
    /// `[blocks, depth, 4]`, zero past `outputs`.
    private let packed: [Float]
    private let blocks: Int

    /// Packs `weight` `[outputs, depth]` (row-major; a convolution's `[O, C, kh, kw]`).
    public init(weight: UnsafePointer<Float>, outputs: Int, depth: Int) {
        precondition(outputs > 0 && depth > 0, "ColumnProduct: \(outputs) outputs of depth \(depth)")
        let rows = ColumnTileKernel.rows
        self.depth = depth
        self.outputs = outputs
        let blocks = (outputs + rows - 1) / rows
        self.blocks = blocks
        packed = [Float](unsafeUninitializedCapacity: blocks * depth * rows) { buffer, count in
            let dst = buffer.baseAddress!
            for block in 0..<blocks {
                for r in 0..<rows {
                    let o = block * rows + r
                    let out = dst + block * depth * rows + r
                    if o < outputs {
                        let src = weight + o * depth
                        for p in 0..<depth { out[p &* rows] = src[p] }
                    } else {
                        for p in 0..<depth { out[p &* rows] = 0 }
                    }
                }
            }
            count = blocks * depth * rows
        }
    }

    /// Products smaller than this (multiply-adds) run on the calling thread.
    static let parallelWork = PackedLinear.parallelWork

    /// Computes `out[o · ldOut + c] = (W · columns)[o, c] + bias[o]` (`+ 0` without a bias, as the
    /// unfused pass did) for `columns` `[depth, count]` (row-major, dense): output channel `o`'s
    /// `count` values start `o · ldOut` floats into `out`. With `parallel`, the tiles are split over
    /// ``Threads/count`` threads when the product is large enough.
    public func apply(_ columns: UnsafePointer<Float>, count: Int, out: UnsafeMutablePointer<Float>, ldOut: Int,
                      bias: UnsafePointer<Float>?, parallel: Bool = true) {
        guard count > 0 else { return }
        let width = ColumnTileKernel.width
        let strips = (count + width - 1) / width
        let workers = !parallel || count * outputs * depth < Self.parallelWork ? 1 : Swift.min(Threads.count, strips)
        let input = SharedConstPointer(columns), output = SharedPointer(out)
        let biases = bias.map { SharedConstPointer($0) }
        packed.withUnsafeBufferPointer { pp in
            let weights = SharedConstPointer(pp.baseAddress!)
            parallelFor(workers) { worker in
                let rows = ColumnTileKernel.rows
                // `strip` [depth, width]: the columns of one tile, copied together so that every
                // block of weights reads them from L1 (zeros past the last column); `sum`, `part` [4, width].
                withUnsafeTemporaryAllocation(of: Float.self, capacity: depth * width + 2 * rows * width) { buffer in
                    let strip = buffer.baseAddress!, sum = strip + depth * width, part = sum + rows * width
                    for s in (strips * worker / workers)..<(strips * (worker + 1) / workers) {
                        let c0 = s * width, valid = Swift.min(width, count - c0)
                        copyStrip(input.base + c0, ld: count, valid: valid, into: strip)
                        for block in 0..<blocks {
                            let w = weights.base + block * depth * rows
                            var chunk = 0..<Swift.min(depth, BLAS.stableDepth)
                            ColumnTileKernel.tile(strip, ld: width, block: w, depth: chunk, tile: sum)
                            while chunk.upperBound < depth {
                                chunk = chunk.upperBound..<Swift.min(depth, chunk.upperBound + BLAS.stableDepth)
                                ColumnTileKernel.tile(strip, ld: width, block: w, depth: chunk, tile: part)
                                for i in stride(from: 0, to: rows * width, by: ColumnTileKernel.Vector.scalarCount) {
                                    ColumnTileKernel.store(ColumnTileKernel.load(part + i) + ColumnTileKernel.load(sum + i), sum + i)
                                }
                            }
                            write(sum, block: block, valid: valid, bias: biases?.base, out: output.base + c0, ldOut: ldOut)
                        }
                    }
                }
            }
        }
    }

    /// Copies columns `0 ..< valid` of `[depth, ld]` rows into `strip` `[depth, width]`, zeros past them.
    @inline(__always)
    private func copyStrip(_ source: UnsafePointer<Float>, ld: Int, valid: Int, into strip: UnsafeMutablePointer<Float>) {
        let (width, v) = (ColumnTileKernel.width, ColumnTileKernel.Vector.scalarCount)
        if valid == width {
            for p in 0..<depth {
                let src = source + p * ld, dst = strip + p * width
                for j in Swift.stride(from: 0, to: width, by: v) { ColumnTileKernel.store(ColumnTileKernel.load(src + j), dst + j) }
            }
        } else {
            for p in 0..<depth {
                let src = source + p * ld, dst = strip + p * width
                for j in 0..<width { dst[j] = j < valid ? src[j] : 0 }
            }
        }
    }

    /// Writes a finished tile `sum` `[4, width]` (its first `valid` columns) with the bias to the
    /// output rows of its block (`out` at the tile's first column, rows `ldOut` apart).
    @inline(__always)
    private func write(_ sum: UnsafeMutablePointer<Float>, block: Int, valid: Int, bias: UnsafePointer<Float>?,
                       out: UnsafeMutablePointer<Float>, ldOut: Int) {
        let (rows, width, v) = (ColumnTileKernel.rows, ColumnTileKernel.width, ColumnTileKernel.Vector.scalarCount)
        for r in 0..<Swift.min(rows, outputs - block * rows) {
            let o = block * rows + r
            let b: Float = bias?[o] ?? 0
            let src = sum + r * width, dst = out + o * ldOut
            if valid == width {
                let bv = ColumnTileKernel.Vector(repeating: b)
                for j in Swift.stride(from: 0, to: width, by: v) { ColumnTileKernel.store(ColumnTileKernel.load(src + j) + bv, dst + j) }
            } else {
                for j in 0..<valid { dst[j] = src[j] + b }
            }
        }
    }
}
