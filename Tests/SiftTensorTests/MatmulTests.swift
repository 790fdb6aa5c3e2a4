import Testing
@testable import SiftTensor

/// The BLAS path against the naive reference product.
@Suite struct MatmulAgainstNaive {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmVariants(transA: Bool, transB: Bool) {
        let (m, n, k) = (37, 29, 53)
        let a = Philox(seed: 1).normals(m * k), b = Philox(seed: 2).normals(k * n)
        var fast = [Float](repeating: 0, count: m * n), slow = fast
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            fast.withUnsafeMutableBufferPointer { BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!) }
            slow.withUnsafeMutableBufferPointer { BLAS.naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!) }
        } }
        expectClose(fast, slow, tol: 1e-4)
    }

    @Test func batchedTensorMatmul() {
        let a = Tensor(Philox(seed: 3).normals(4 * 7 * 5), shape: [4, 7, 5])
        let b = Tensor(Philox(seed: 4).normals(4 * 5 * 6), shape: [4, 5, 6])
        let c = Tensor.matmul(a, b)
        #expect(c.shape == [4, 7, 6])
        for i in 0..<4 {
            var ref = [Float](repeating: 0, count: 42)
            a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in
                ref.withUnsafeMutableBufferPointer { BLAS.naiveGemm(transA: false, transB: false, m: 7, n: 6, k: 5, a: pa.baseAddress! + i * 35, b: pb.baseAddress! + i * 30, c: $0.baseAddress!) }
            } }
            expectClose(Array(c.data[(i * 42)..<((i + 1) * 42)]), ref, tol: 1e-4)
        }
        // Transposed batched operands give the same product.
        let ct = Tensor.matmul(a.transposed().detached(), b.transposed().detached(), transposeA: true, transposeB: true)
        expectClose(ct.data, c.data, tol: 1e-5)
        // A shared 2-D right operand equals the batched form with copies.
        let w = Tensor(Philox(seed: 5).normals(30), shape: [5, 6])
        let copies = Tensor.concat([w, w, w, w].map { $0.reshaped([1, 5, 6]) }, axis: 0)
        expectClose(Tensor.matmul(a, w).data, Tensor.matmul(a, copies).data, tol: 1e-5)
    }

    @Test func linearEqualsMatmulPlusBias() {
        let x = Tensor(Philox(seed: 6).normals(3 * 8), shape: [3, 8])
        let w = Tensor(Philox(seed: 7).normals(4 * 8), shape: [4, 8]), b = Tensor([1, 2, 3, 4], shape: [4])
        expectClose(Tensor.linear(x, weight: w, bias: b).data, (Tensor.matmul(x, w, transposeB: true) + b).data, tol: 1e-5)
    }
}
