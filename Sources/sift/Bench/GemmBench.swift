import ArgumentParser
import COpenBLAS
import SiftModels
import SiftTensor

/// `sift bench gemm`: GFLOP/s of Sift's matmul path (a no-grad `Tensor.linear`, output allocated
/// per call as in the models) next to a direct `cblas_sgemm` into a preallocated buffer, at the
/// shapes the SiT models use: M = batch × 49 tokens, (K, N) the layer widths. With `--model`, the
/// four products of that model's blocks (qkv, proj, fc1, fc2) at batches 64 and 256, and the
/// model's own inference GFLOP/s measured in the same run beside cblas's over those products.
struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "Matmul GFLOP/s: Sift's path vs direct cblas_sgemm.")
    @OptionGroup var options: BenchOptions
    @Option(help: "A zoo model (sit-s, sit-b, sit-l): its block products, and its inference GFLOP/s against cblas's at them.") var model: String?

    /// (K, N) pairs: attention projections, MLP, adaLN and square layers of sit-s/b/l.
    static let layerShapes: [(k: Int, n: Int)] = [
        (64, 64), (96, 288), (96, 384), (128, 384), (128, 512), (512, 128), (160, 640), (640, 160), (128, 768), (768, 768),
    ]

    func validate() throws {
        if let model, !SiTConfig.zoo.contains(where: { $0.name == model }) {
            throw ValidationError("unknown model '\(model)'; known: \(SiTConfig.zoo.map(\.name).joined(separator: ", "))")
        }
    }

    func run() {
        options.apply()
        if let model, let config = SiTConfig.zoo.first(where: { $0.name == model }) { return modelShapes(config) }
        let ms = options.quick ? [784, 12_544] : [784, 3_136, 12_544]
        let shapes = options.quick ? [(96, 288), (128, 512), (768, 768)] : Self.layerShapes
        print("GEMM, Float32, row-major x·Wᵀ, \(Threads.count) thread(s); median of ≥ \(options.seconds) s per row")
        var table = TextTable(["M", "K", "N", "sift GFLOP/s", "cblas GFLOP/s", "sift/cblas"])
        for m in ms {
            for (k, n) in shapes {
                let flops = 2.0 * Double(m) * Double(n) * Double(k)
                let (ours, direct) = time(m: m, k: k, n: n)
                let (g1, g2) = (flops / ours / 1e9, flops / direct / 1e9)
                table.add(["\(m)", "\(k)", "\(n)", fmt(g1), fmt(g2), fmt(g1 / g2, 3)])
            }
        }
        print(table.render())
    }

    /// (sift seconds, cblas seconds) of one product `x[m, k] · w[n, k]ᵀ`, interleaved.
    func time(m: Int, k: Int, n: Int) -> (sift: Double, cblas: Double) {
        let x = Tensor(Philox(seed: 1).normals(m * k), shape: [m, k])
        let w = Tensor(Philox(seed: 2).normals(n * k), shape: [n, k])
        var c = [Float](repeating: 0, count: m * n)
        return Timing.interleavedMedians(seconds: options.seconds, {
            _ = withNoGrad { Tensor.linear(x, weight: w, bias: nil) }
        }) {
            x.data.withUnsafeBufferPointer { px in w.data.withUnsafeBufferPointer { pw in c.withUnsafeMutableBufferPointer { pc in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1,
                            px.baseAddress, Int32(k), pw.baseAddress, Int32(k), 0, pc.baseAddress, Int32(n))
            } } }
        }
    }

    /// The block products of `config` at batches 64 and 256, then per batch cblas's GFLOP/s over
    /// the four (their flops over their summed times) beside the whole model's inference GFLOP/s.
    func modelShapes(_ config: SiTConfig) {
        let d = config.width
        let shapes = [(d, 3 * d), (d, d), (d, config.hidden), (config.hidden, d)]
        print("GEMM at \(config.name)'s block products, Float32, row-major x·Wᵀ, \(Threads.count) thread(s); median of ≥ \(options.seconds) s per row")
        var table = TextTable(["M", "K", "N", "sift GFLOP/s", "cblas GFLOP/s", "sift/cblas"])
        var summary = TextTable(["batch", "cblas GFLOP/s over the block products", "\(config.name) inference GFLOP/s", "model/cblas"])
        let net = SiT(config, seed: 1)
        ModelBench.randomise(net)
        for batch in [64, 256] {
            let m = batch * config.tokens
            var flops = 0.0, cblasSeconds = 0.0
            for (k, n) in shapes {
                let (ours, direct) = time(m: m, k: k, n: n)
                let f = 2.0 * Double(m) * Double(n) * Double(k)
                flops += f; cblasSeconds += direct
                table.add(["\(m)", "\(k)", "\(n)", fmt(f / ours / 1e9), fmt(f / direct / 1e9), fmt(direct / ours, 3)])
            }
            let nfe = ModelBench.inference(net, batch: batch, seconds: options.seconds).nfe
            let modelGFLOPs = nfe * Double(config.forwardFLOPs) / 1e9, cblasGFLOPs = flops / cblasSeconds / 1e9
            summary.add(["\(batch)", fmt(cblasGFLOPs), fmt(modelGFLOPs), fmt(modelGFLOPs / cblasGFLOPs, 3)])
        }
        print(table.render())
        print(summary.render())
    }
}
