import ArgumentParser
import SiftTensor

/// `sift`: inference-time scaling of diffusion models, on a CPU.
@main
struct Sift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sift",
        abstract: "Inference-time scaling of diffusion models: search over noises and paths, judged by verifiers.",
        version: SiftVersion.string,
        subcommands: [RunCommand.self, ReportCommand.self, TrainCommand.self, SampleCommand.self, EvalCommand.self, SearchCommand.self, CompareCommand.self, EvaluateCommand.self, CorrelateCommand.self, MetricsCommand.self, ModelsCommand.self, EvalClassifierCommand.self, BenchCommand.self, DatasetCommand.self])

    static func main() {
        BLASCore.relaunchWithBestKernels()
        Runtime.configure()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// The tool's version, recorded in results for provenance.
enum SiftVersion {
    static let string = "0.1.0"
}
