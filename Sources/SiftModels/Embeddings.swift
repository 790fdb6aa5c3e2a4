import Foundation

/// Fixed sinusoidal embeddings of DiT/SiT (reference/metrics-and-sit.md B2–B3).
public enum SinCos {
    /// The 2-D position table `[grid², dim]`: per token (row, col), `[sin(col·ω), cos(col·ω),
    /// sin(row·ω), cos(row·ω)]` with `ω_i = 10000^(−i/(dim/4))` — the column index fills the first
    /// half, as in MAE's `get_2d_sincos_pos_embed`. Computed in Double.
    public static func positions(dim: Int, grid: Int) -> [Float] {
        let quarter = dim / 4
        let omega = (0..<quarter).map { 1 / pow(10_000, Double($0) / Double(quarter)) }
        var table = [Float](repeating: 0, count: grid * grid * dim)
        for row in 0..<grid {
            for col in 0..<grid {
                let base = (row * grid + col) * dim
                for (half, pos) in [(0, col), (1, row)] {
                    for i in 0..<quarter {
                        let a = Double(pos) * omega[i]
                        table[base + half * dim / 2 + i] = Float(sin(a))
                        table[base + half * dim / 2 + quarter + i] = Float(cos(a))
                    }
                }
            }
        }
        return table
    }

    /// Timestep features `[N, dim]`: `[cos(t·f), sin(t·f)]` (cosines first) with
    /// `f_i = exp(−ln(10000)·i/(dim/2))`, for the raw SiT time t ∈ [0, 1] (no ×1000).
    /// Computed in Float32 like the reference.
    public static func timesteps(_ t: [Float], dim: Int) -> [Float] {
        let half = dim / 2
        let freqs = (0..<half).map { Float(exp(-log(10_000.0) * Double($0) / Double(half))) }
        var out = [Float](repeating: 0, count: t.count * dim)
        for (n, tn) in t.enumerated() {
            for i in 0..<half {
                let a = tn * freqs[i]
                out[n * dim + i] = cosf(a)
                out[n * dim + half + i] = sinf(a)
            }
        }
        return out
    }
}
