import Testing
@testable import SiftTensor

@Suite struct WeightGradientKernelTests {
    /// (depth k, m, n): depth blocks whole and partial, one tile and many.
    static let shapes = [(1, 8, 32), (300, 16, 64), (3136 / 8 + 5, 160, 96), (129, 40, 160)]

    /// Each output is one fused multiply-add chain in depth order from zero — the scalar chain's
    /// bits — with 1 and 2 threads, and close to the double-precision product.
    @Test(arguments: shapes)
    func equalsTheFusedChainWhateverTheThreads(shape: (Int, Int, Int)) {
        let (k, m, n) = shape
        guard WeightGradientKernel.supports(m: m, n: n, k: k) else { return }  // AVX-512 builds only
        let threads = Threads.count
        defer { Threads.set(threads) }
        let a = Philox(seed: 21).normals(k * m), b = Philox(seed: 22).normals(k * n)
        var chain = [Float](repeating: 0, count: m * n), exact = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var c: Float = 0, d: Double = 0
                for p in 0..<k {
                    c = c.addingProduct(a[p * m + i], b[p * n + j])
                    d += Double(a[p * m + i]) * Double(b[p * n + j])
                }
                chain[i * n + j] = c
                exact[i * n + j] = d
            }
        }
        for t in Set([1, 2, threads]) {
            Threads.set(t)
            var c = [Float](repeating: .nan, count: m * n)
            WeightGradientKernel.product(a: a, b: b, m: m, n: n, k: k, c: &c)
            #expect(c.map(\.bitPattern) == chain.map(\.bitPattern), "\(k)×\(m)×\(n), \(t) threads")
            let worst = zip(c, exact).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-4 * Double(k).squareRoot(), "max deviation \(worst)")
        }
    }

    @Test func takesWholeTilesOnly() {
        #expect(!WeightGradientKernel.supports(m: 12, n: 32, k: 4))
        #expect(!WeightGradientKernel.supports(m: 8, n: 16, k: 4))
        #expect(!WeightGradientKernel.supports(m: 8, n: 32, k: 0))
    }
}
