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
    ///
    /// Built for AVX-512 (`SIFT_AVX512`, see Package.swift), the tile is held in 16 accumulators of
    /// 16 floats; otherwise it is computed as four blocks of 4 rows × 16 columns in 8 accumulators
    /// of 8 floats, which fit AVX2's 16 vector registers (the 16-float form spills there and runs at
    /// about half of OpenBLAS's speed). Every output is the same chain of fused multiply-adds
    /// either way, so the results are bit-identical; only speed differs.
    @inline(__always)
    static func eightRows(_ a: UnsafePointer<Float>, lda: Int, panel: UnsafePointer<Float>, depth: Range<Int>,
                          tile: UnsafeMutablePointer<Float>, ldt: Int, addend: Addend) {
        #if SIFT_AVX512
        eightRowsWide(a, lda: lda, panel: panel, depth: depth, tile: tile, ldt: ldt, addend: addend)
        #else
        for half in stride(from: 0, to: columns, by: 16) {
            for first in stride(from: 0, to: rows, by: 4) {
                fourRowsHalf(a + first * lda, lda: lda, panel: panel + half, depth: depth, tile: tile + first * ldt + half,
                             ldt: ldt, addend: addend.advanced(by: half))
            }
        }
        #endif
    }

    /// ``eightRows(_:lda:panel:depth:tile:ldt:addend:)`` in 16 accumulators of 16 floats (AVX-512).
    @inline(__always)
    static func eightRowsWide(_ a: UnsafePointer<Float>, lda: Int, panel: UnsafePointer<Float>, depth: Range<Int>,
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

    /// Four rows (`a`, `lda` apart) × 16 columns of the panel (`panel`, `tile` and the addend
    /// already offset to those columns), in 8 accumulators of 8 floats.
    @inline(__always)
    static func fourRowsHalf(_ a: UnsafePointer<Float>, lda: Int, panel: UnsafePointer<Float>, depth: Range<Int>,
                             tile: UnsafeMutablePointer<Float>, ldt: Int, addend: Addend) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8(), c30 = F8(), c31 = F8()
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        var b = panel + depth.lowerBound * columns
        for p in depth {
            let b0 = load8(b), b1 = load8(b + 8)
            var x = F8(repeating: a0[p])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = F8(repeating: a1[p])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = F8(repeating: a2[p])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = F8(repeating: a3[p])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            b += columns
        }
        finishHalf(c00, c01, tile, addend); finishHalf(c10, c11, tile + ldt, addend)
        finishHalf(c20, c21, tile + 2 * ldt, addend); finishHalf(c30, c31, tile + 3 * ldt, addend)
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

        /// The same addend for the columns `offset` further on.
        @inline(__always)
        func advanced(by offset: Int) -> Addend {
            if case let .bias(b) = self { return .bias(b + offset) }
            return self
        }
    }

    typealias F8 = SIMD8<Float>

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }

    @inline(__always)
    static func load8(_ p: UnsafeMutablePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }

    /// ``finish(_:_:_:_:)`` for 16 columns held in two 8-float vectors.
    @inline(__always)
    static func finishHalf(_ low: F8, _ high: F8, _ row: UnsafeMutablePointer<Float>, _ addend: Addend) {
        let (l, h): (F8, F8)
        switch addend {
        case .none: (l, h) = (low, high)
        case let .bias(b): (l, h) = (low + load8(b), high + load8(b + 8))
        case .tile: (l, h) = (low + load8(row), high + load8(row + 8))
        }
        UnsafeMutableRawPointer(row).storeBytes(of: l, as: F8.self)
        UnsafeMutableRawPointer(row + 8).storeBytes(of: h, as: F8.self)
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
