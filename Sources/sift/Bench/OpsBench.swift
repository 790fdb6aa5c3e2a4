import ArgumentParser
import SiftTensor

/// `sift bench ops`: throughput of layer norm, softmax, GELU and attention at the SiT sizes
/// (batch × 49 tokens × width; attention over heads of width/heads channels), no-grad forward.
struct OpsBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ops", abstract: "Layer norm, softmax, GELU and attention throughput at model sizes.")
    @OptionGroup var options: BenchOptions
    @Option(help: "Batch size (images); tokens = 49 per image.")
    var batch: Int = 64

    static let sizes: [(name: String, width: Int, heads: Int)] = [("sit-s", 96, 4), ("sit-b", 128, 4), ("sit-l", 160, 5)]

    func run() {
        options.apply()
        let tokens = 49, rows = batch * tokens
        print("Operations, batch \(batch) × \(tokens) tokens, \(Threads.count) thread(s); median per call")
        var table = TextTable(["model", "op", "shape", "ms/call", "Melem/s", "GFLOP/s"])
        for size in Self.sizes {
            let d = size.width, h = size.heads, hd = d / h
            let x = Tensor(Philox(seed: 3).normals(rows * d), shape: [rows, d])
            let hidden = Tensor(Philox(seed: 4).normals(rows * 4 * d), shape: [rows, 4 * d])
            let logits = Tensor(Philox(seed: 5).normals(batch * h * tokens * tokens), shape: [batch * h * tokens, tokens])
            let q = Tensor(Philox(seed: 6).normals(rows * d), shape: [batch, h, tokens, hd])
            let k = Tensor(Philox(seed: 7).normals(rows * d), shape: [batch, h, tokens, hd])
            let v = Tensor(Philox(seed: 8).normals(rows * d), shape: [batch, h, tokens, hd])
            let cases: [(String, Tensor, Double, () -> Void)] = [
                ("layer norm", x, 0, { _ = withNoGrad { x.layerNorm() } }),
                ("softmax", logits, 0, { _ = withNoGrad { logits.softmax() } }),
                ("gelu", hidden, 0, { _ = withNoGrad { hidden.gelu() } }),
                ("attention", q, 4.0 * Double(batch * h) * Double(tokens * tokens * hd),
                 { _ = withNoGrad { Tensor.attention(q, k, v) } }),
            ]
            for (op, t, flops, body) in cases {
                let s = Timing.median(seconds: options.seconds, body)
                table.add([size.name, op, "\(t.shape)", fmt(s * 1e3, 3), fmt(Double(t.count) / s / 1e6),
                           flops > 0 ? fmt(flops / s / 1e9) : "-"])
            }
        }
        print(table.render())
    }
}
