import ArgumentParser
import COpenBLAS
import SiftTensor

/// `sift bench gemm`: GFLOP/s of Sift's matmul path (a no-grad `Tensor.linear`, output allocated
/// per call as in the models) next to a direct `cblas_sgemm` into a preallocated buffer, at the
/// shapes the SiT models use: M = batch × 49 tokens, (K, N) the layer widths.
struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "Matmul GFLOP/s: Sift's path vs direct cblas_sgemm.")
    @OptionGroup var options: BenchOptions

    /// (K, N) pairs: attention projections, MLP, adaLN and square layers of sit-s/b/l.
    static let layerShapes: [(k: Int, n: Int)] = [
        (64, 64), (96, 288), (96, 384), (128, 384), (128, 512), (512, 128), (160, 640), (640, 160), (128, 768), (768, 768),
    ]

    func run() {
        options.apply()
        let ms = options.quick ? [784, 12_544] : [784, 3_136, 12_544]
        let shapes = options.quick ? [(96, 288), (128, 512), (768, 768)] : Self.layerShapes
        print("GEMM, Float32, row-major x·Wᵀ, \(Threads.count) thread(s); median of ≥ \(options.seconds) s per row")
        var table = TextTable(["M", "K", "N", "sift GFLOP/s", "cblas GFLOP/s", "sift/cblas"])
        for m in ms {
            for (k, n) in shapes {
                let x = Tensor(Philox(seed: 1).normals(m * k), shape: [m, k])
                let w = Tensor(Philox(seed: 2).normals(n * k), shape: [n, k])
                let flops = 2.0 * Double(m) * Double(n) * Double(k)
                var c = [Float](repeating: 0, count: m * n)
                let (ours, direct) = Timing.interleavedMedians(seconds: options.seconds, {
                    _ = withNoGrad { Tensor.linear(x, weight: w, bias: nil) }
                }) {
                    x.data.withUnsafeBufferPointer { px in w.data.withUnsafeBufferPointer { pw in c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1,
                                    px.baseAddress, Int32(k), pw.baseAddress, Int32(k), 0, pc.baseAddress, Int32(n))
                    } } }
                }
                let (g1, g2) = (flops / ours / 1e9, flops / direct / 1e9)
                table.add(["\(m)", "\(k)", "\(n)", fmt(g1), fmt(g2), fmt(g1 / g2, 3)])
            }
        }
        print(table.render())
    }
}
