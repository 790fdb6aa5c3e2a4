import Testing
@testable import SiftTensor

@Suite struct BLASCoreSelection {
    @Test func picksKernelsFromFlags() {
        let avx512 = "processor : 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n"
        #expect(BLASCore.bestCoreType(cpuinfo: avx512) == "SkylakeX")
        #expect(BLASCore.bestCoreType(cpuinfo: "flags : sse2 avx avx2 fma\n") == "Haswell")
        #expect(BLASCore.bestCoreType(cpuinfo: "flags : sse2 avx avx512f\n") == nil)
        #expect(BLASCore.bestCoreType(cpuinfo: "no flags here") == nil)
    }
}
