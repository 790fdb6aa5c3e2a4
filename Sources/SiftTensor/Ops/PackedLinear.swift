/// A fully connected layer whose weights are repacked once into panels of 32 output columns, for
/// inference products `out[rows, outF] = x[rows, inF] · Wᵀ + bias` without OpenBLAS's per-call
/// packing of the weights, its padding of small products (``BLAS/rowInvariant``) or its threads,
/// and with the pass that follows the product fused into it (``Epilogue``).
///
/// Bit for bit ``BLAS/linear`` (a batch-stable product, depth split at ``BLAS/stableDepth``)
/// followed by the unfused epilogue: each output is one chain of fused multiply-adds per depth
/// chunk, in depth order, added to the bias and then to the earlier chunks, as OpenBLAS's blocked
/// kernels round it (``LinearTileKernel``). Rows are independent, so results do not depend on the
/// row count or the thread count.
public final class PackedLinear {
    public let inFeatures: Int
    public let outFeatures: Int
    /// Panels of 32 output columns, `[panelCount, inFeatures, 32]` and zero past `outFeatures`,
    /// followed by the bias padded with zeros to `panelCount × 32` when the layer has one.
    let packed: [Float]
    let hasBias: Bool
    let panelCount: Int

    /// What is written to `out` after the product (the pass that follows the layer).
    public enum Epilogue {
        /// out = x·Wᵀ + b.
        case store
        /// out = GELU(x·Wᵀ + b), with ``UnaryOps/GELU``'s vector form (as ``Kernels/map``).
        case gelu
        /// out += gate ⊙ (x·Wᵀ + b), gate row `r / rowsPerGate` read `gateStride` floats apart
        /// (as ``AdaLNKernel/addGated(_:gate:y:n:t:d:stride:)``).
        case gatedResidual(gate: UnsafePointer<Float>, gateStride: Int, rowsPerGate: Int)
    }

    /// Packs `weight` `[outFeatures, inFeatures]` (row-major) and an optional `bias` `[outFeatures]`.
    public convenience init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        let packed = weight.withUnsafeBufferPointer { w in
            bias.map { b in b.withUnsafeBufferPointer { Self.pack(weight: w, bias: $0, inFeatures: inFeatures, outFeatures: outFeatures) } }
                ?? Self.pack(weight: w, bias: nil, inFeatures: inFeatures, outFeatures: outFeatures)
        }
        self.init(packed: packed, hasBias: bias != nil, inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// Packs a raw `weight` `[outFeatures, inFeatures]` without bias (a shared-weight product's).
    public convenience init(weight: UnsafeBufferPointer<Float>, inFeatures: Int, outFeatures: Int) {
        self.init(packed: Self.pack(weight: weight, bias: nil, inFeatures: inFeatures, outFeatures: outFeatures),
                  hasBias: false, inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// Packs a weight given depth-major, `[inFeatures, outFeatures]` row-major (the transpose of the
    /// usual layout: a product `x · W` rather than `x · Wᵀ`), without bias. Each panel row is a
    /// contiguous run of the input row, so packing costs one pass over the weights.
    public convenience init(depthMajorWeight weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) {
        precondition(inFeatures > 0 && outFeatures > 0, "PackedLinear: \(outFeatures)×\(inFeatures)")
        let width = LinearTileKernel.columns
        let count = (outFeatures + width - 1) / width
        let packed = [Float](unsafeUninitializedCapacity: count * inFeatures * width) { buffer, initialized in
            let values = buffer.baseAddress!
            for panel in 0..<count {
                let j0 = panel * width, valid = Swift.min(width, outFeatures - j0)
                for p in 0..<inFeatures {
                    let dst = values + (panel * inFeatures + p) * width
                    dst.update(from: weight + p * outFeatures + j0, count: valid)
                    (dst + valid).update(repeating: 0, count: width - valid)
                }
            }
            initialized = count * inFeatures * width
        }
        self.init(packed: packed, hasBias: false, inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// Packs a raw `weight` without bias laid out `[outFeatures, inFeatures]` when `outputMajor`,
    /// else depth-major `[inFeatures, outFeatures]` (``init(depthMajorWeight:inFeatures:outFeatures:)``).
    public convenience init(weight: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int, outputMajor: Bool) {
        if outputMajor {
            self.init(weight: UnsafeBufferPointer(start: weight, count: outFeatures * inFeatures), inFeatures: inFeatures, outFeatures: outFeatures)
        } else {
            self.init(depthMajorWeight: weight, inFeatures: inFeatures, outFeatures: outFeatures)
        }
    }

    private init(packed: [Float], hasBias: Bool, inFeatures: Int, outFeatures: Int) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        panelCount = (outFeatures + LinearTileKernel.columns - 1) / LinearTileKernel.columns
        self.hasBias = hasBias
        self.packed = packed
    }

    /// The panels `[panelCount, inFeatures, 32]` (zero past `outFeatures`), then the bias padded
    /// to `panelCount × 32` when there is one.
    private static func pack(weight: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>?, inFeatures: Int, outFeatures: Int) -> [Float] {
        precondition(inFeatures > 0 && outFeatures > 0 && weight.count == inFeatures * outFeatures
                     && (bias == nil || bias!.count == outFeatures),
                     "PackedLinear: \(weight.count) weights for \(outFeatures)×\(inFeatures), bias \(bias?.count ?? 0)")
        let width = LinearTileKernel.columns
        let count = (outFeatures + width - 1) / width
        let biasStart = count * inFeatures * width
        let total = biasStart + (bias == nil ? 0 : count * width)
        return [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            let values = buffer.baseAddress!, w = weight.baseAddress!
            values.initialize(repeating: 0, count: total)
            for j in 0..<outFeatures {
                let dst = values + (j / width) * inFeatures * width + j % width, src = w + j * inFeatures
                for p in 0..<inFeatures { dst[p &* width] = src[p] }
                if let bias { values[biasStart + j] = bias[j] }
            }
            initialized = total
        }
    }

    /// Packs a `[outFeatures, inFeatures]` weight tensor and an optional bias tensor.
    public convenience init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "PackedLinear: weight \(weight.shape)")
        self.init(weight: weight.data, bias: bias?.data, inFeatures: weight.shape[1], outFeatures: weight.shape[0])
    }

    /// Products smaller than this (multiply-adds) run on the calling thread.
    static let parallelWork = 1 << 18

    /// Computes `out[rows, outFeatures]` from `x[rows, inFeatures]` (both row-major, dense) and
    /// applies `epilogue`. The tiles (8 rows × one panel, row block by row block) are split into
    /// ``Threads/count`` contiguous runs, so a small product (one image: 7 row blocks) still keeps
    /// every thread equally busy, and each thread reuses its rows across the panels.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>, epilogue: Epilogue = .store) {
        guard rows > 0 else { return }
        let blocks = (rows + LinearTileKernel.rows - 1) / LinearTileKernel.rows
        let tiles = blocks * panelCount
        let work = rows * outFeatures * inFeatures
        let workers = work < Self.parallelWork ? 1 : Swift.min(Threads.count, tiles)
        let input = SharedConstPointer(x), output = SharedPointer(out)
        packed.withUnsafeBufferPointer { pp in
            let weights = SharedConstPointer(pp.baseAddress!)
            parallelFor(workers) { worker in
                let first = tiles * worker / workers, last = tiles * (worker + 1) / workers
                withUnsafeTemporaryAllocation(of: Float.self, capacity: LinearTileKernel.rows * LinearTileKernel.columns) { scratch in
                    for tile in first..<last {
                        let r0 = (tile / panelCount) * LinearTileKernel.rows
                        let n = Swift.min(LinearTileKernel.rows, rows - r0)
                        run(input.base + r0 * inFeatures, rows: n, firstRow: r0, panel: tile % panelCount, weights: weights.base,
                            out: output.base, scratch: scratch.baseAddress!, epilogue: epilogue)
                    }
                }
            }
        }
    }

    /// One tile: rows `firstRow..<firstRow + n` × the panel's columns, through the epilogue. A full
    /// panel that replaces its output is accumulated in the output rows themselves; a partial panel,
    /// or one added to a residual, goes through `scratch` (`[8, 32]`).
    @inline(__always)
    private func run(_ x: UnsafePointer<Float>, rows n: Int, firstRow: Int, panel: Int, weights: UnsafePointer<Float>,
                     out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let width = LinearTileKernel.columns, j0 = panel * width
        let valid = Swift.min(width, outFeatures - j0)
        let dst = out + firstRow * outFeatures + j0
        if case .gatedResidual = epilogue {} else if valid == width {
            product(x, rows: n, panel: panel, weights: weights, tile: dst, ldt: outFeatures)
            if case .gelu = epilogue { Self.gelu(dst, rows: n, ld: outFeatures) }
            return
        }
        product(x, rows: n, panel: panel, weights: weights, tile: scratch, ldt: width)
        if case .gelu = epilogue { Self.gelu(scratch, rows: n, ld: width) }
        for i in 0..<n {
            let src = scratch + i * width, row = dst + i * outFeatures
            switch epilogue {
            case .store:
                row.update(from: src, count: valid)
            case .gelu:
                row.update(from: src, count: valid)
            case let .gatedResidual(gate, gateStride, rowsPerGate):
                let g = gate + ((firstRow + i) / rowsPerGate) * gateStride + j0
                if valid == width {
                    for q in stride(from: 0, to: width, by: 16) {
                        let y = LinearTileKernel.load(src + q), h = LinearTileKernel.load(row + q)
                        let gv = UnsafeRawPointer(g + q).loadUnaligned(as: SIMD16<Float>.self)
                        LinearTileKernel.store(h + gv * y, row + q)
                    }
                } else {
                    for j in 0..<valid { row[j] += g[j] * src[j] }
                }
            }
        }
    }

    /// GELU in place on rows `0..<n` of a tile (32 floats each, `ld` floats apart), two rows per
    /// step (`Activations.gelu` on 16 floats, the bits of ``UnaryOps/GELU``'s vector form): four
    /// independent 16-float chains keep the core busy through the latency of the exp and the
    /// division, which one 8-float vector at a time left it waiting on.
    @inline(__always)
    private static func gelu(_ tile: UnsafeMutablePointer<Float>, rows n: Int, ld: Int) {
        typealias F16 = SIMD16<Float>
        var i = 0
        while i + 2 <= n {
            let p0 = tile + i * ld, p1 = p0 + 16, p2 = p0 + ld, p3 = p2 + 16
            let x0 = UnsafeRawPointer(p0).loadUnaligned(as: F16.self), x1 = UnsafeRawPointer(p1).loadUnaligned(as: F16.self)
            let x2 = UnsafeRawPointer(p2).loadUnaligned(as: F16.self), x3 = UnsafeRawPointer(p3).loadUnaligned(as: F16.self)
            let y0 = Activations.gelu(x0), y1 = Activations.gelu(x1), y2 = Activations.gelu(x2), y3 = Activations.gelu(x3)
            UnsafeMutableRawPointer(p0).storeBytes(of: y0, as: F16.self); UnsafeMutableRawPointer(p1).storeBytes(of: y1, as: F16.self)
            UnsafeMutableRawPointer(p2).storeBytes(of: y2, as: F16.self); UnsafeMutableRawPointer(p3).storeBytes(of: y3, as: F16.self)
            i += 2
        }
        if i < n {
            let p0 = tile + i * ld, p1 = p0 + 16
            let y0 = Activations.gelu(UnsafeRawPointer(p0).loadUnaligned(as: F16.self))
            let y1 = Activations.gelu(UnsafeRawPointer(p1).loadUnaligned(as: F16.self))
            UnsafeMutableRawPointer(p0).storeBytes(of: y0, as: F16.self); UnsafeMutableRawPointer(p1).storeBytes(of: y1, as: F16.self)
        }
    }

    /// tile[0..<n, 0..<32] = x[0..<n] · panelᵀ + bias, in depth chunks of ``BLAS/stableDepth``
    /// (tile rows `ldt` floats apart).
    @inline(__always)
    private func product(_ x: UnsafePointer<Float>, rows n: Int, panel: Int, weights: UnsafePointer<Float>,
                         tile: UnsafeMutablePointer<Float>, ldt: Int) {
        let width = LinearTileKernel.columns
        let panelBase = weights + panel * inFeatures * width
        var addend = hasBias ? LinearTileKernel.Addend.bias(weights + (panelCount * inFeatures + panel) * width) : .none
        var p = 0
        while p < inFeatures {
            let depth = p..<Swift.min(inFeatures, p + BLAS.stableDepth)
            if n == LinearTileKernel.rows {
                LinearTileKernel.eightRows(x, lda: inFeatures, panel: panelBase, depth: depth, tile: tile, ldt: ldt, addend: addend)
            } else {
                for i in 0..<n {
                    LinearTileKernel.oneRow(x + i * inFeatures, panel: panelBase, depth: depth, tile: tile + i * ldt, addend: addend)
                }
            }
            addend = .tile
            p = depth.upperBound
        }
    }
}
