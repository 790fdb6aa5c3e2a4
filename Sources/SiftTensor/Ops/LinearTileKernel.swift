/// The inner loops of ``PackedLinear``: one tile of 8 rows (or 1 row) × 32 output columns,
/// accumulated over a depth range of a packed weight panel.
///
/// Every output element is one chain of fused multiply-adds in depth order starting from zero,
/// then added to what the tile held (the bias, or the previous depth chunk) — exactly how
/// OpenBLAS's blocked SkylakeX/Haswell kernels round a batch-stable ``BLAS/linear`` (checked bit for
/// bit by `PackedLinearTests`).
enum LinearTileKernel: SIMD16Kernel {
    /// Rows of a full tile.
    static let rows = 8
    /// Output columns of a panel (two 16-float vectors).
    static let columns = 32

    /// tile[i·ldt ..< i·ldt + 32] = Σ_{p ∈ depth} a[i·lda + p] · panel[p, 0..<32] + addend row i,
    /// i < 8. `panel` is `[K, 32]`; the tile's rows are `ldt` floats apart; the addend is nothing,
    /// the bias (every row) or the tile itself (an earlier depth chunk).
    @inline(__always)
    static func eightRows(_ a: UnsafePointer<Float>, lda: Int, panel: UnsafePointer<Float>, depth: Range<Int>,
                          tile: UnsafeMutablePointer<Float>, ldt: Int, addend: Addend) {
        var c00 = F16(), c01 = F16(), c10 = F16(), c11 = F16(), c20 = F16(), c21 = F16(), c30 = F16(), c31 = F16()
        var c40 = F16(), c41 = F16(), c50 = F16(), c51 = F16(), c60 = F16(), c61 = F16(), c70 = F16(), c71 = F16()
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda
        var b = panel + depth.lowerBound * columns
        for p in depth {
            let b0 = load(b), b1 = load(b + 16)
            var x = F16(repeating: a0[p])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = F16(repeating: a1[p])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = F16(repeating: a2[p])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = F16(repeating: a3[p])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = F16(repeating: a4[p])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = F16(repeating: a5[p])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            x = F16(repeating: a6[p])
            c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
            x = F16(repeating: a7[p])
            c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
            b += columns
        }
        finish(c00, c01, tile, addend); finish(c10, c11, tile + ldt, addend)
        finish(c20, c21, tile + 2 * ldt, addend); finish(c30, c31, tile + 3 * ldt, addend)
        finish(c40, c41, tile + 4 * ldt, addend); finish(c50, c51, tile + 5 * ldt, addend)
        finish(c60, c61, tile + 6 * ldt, addend); finish(c70, c71, tile + 7 * ldt, addend)
    }

    /// The one-row form of ``eightRows(_:lda:panel:depth:tile:ldt:addend:)`` for the rows past the last
    /// multiple of 8. One accumulator per column vector (splitting the depth over several would
    /// change the rounding), so it is latency-bound; it only runs on the last rows of a product.
    @inline(__always)
    static func oneRow(_ a: UnsafePointer<Float>, panel: UnsafePointer<Float>, depth: Range<Int>,
                       tile: UnsafeMutablePointer<Float>, addend: Addend) {
        var c0 = F16(), c1 = F16()
        var b = panel + depth.lowerBound * columns
        for p in depth {
            let x = F16(repeating: a[p])
            c0 = c0.addingProduct(x, load(b)); c1 = c1.addingProduct(x, load(b + 16))
            b += columns
        }
        finish(c0, c1, tile, addend)
    }

    /// What a finished depth chunk is added to.
    enum Addend {
        /// Nothing: the first chunk of a product without bias.
        case none
        /// The bias, 32 floats (the first chunk).
        case bias(UnsafePointer<Float>)
        /// What the tile holds (every later chunk).
        case tile
    }

    @inline(__always)
    static func finish(_ low: F16, _ high: F16, _ row: UnsafeMutablePointer<Float>, _ addend: Addend) {
        switch addend {
        case .none: store(low, row); store(high, row + 16)
        case let .bias(b): store(low + load(b), row); store(high + load(b + 16), row + 16)
        case .tile: store(low + load(row), row); store(high + load(row + 16), row + 16)
        }
    }

}
