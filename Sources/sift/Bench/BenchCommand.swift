import ArgumentParser
import SiftTensor

/// `sift bench …`: throughput of the tensor core (and, later, of the models).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure GEMM GFLOP/s and operation throughput on this machine.",
        subcommands: [GemmBench.self, OpsBench.self, ModelBench.self, FeaturesBench.self, BootstrapBench.self, GradientBench.self, WorkerBench.self])
}

/// Options shared by the benchmarks.
struct BenchOptions: ParsableArguments {
    @Option(help: "Threads for Sift loops and OpenBLAS (default: all cores).")
    var threads: Int?
    @Option(help: "Minimum seconds of timing per row.")
    var seconds: Double = 0.4
    @Flag(help: "Fewer shapes, for a quick look.")
    var quick = false

    func apply() { if let threads { Threads.set(threads) } }
}
