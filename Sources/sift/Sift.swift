import ArgumentParser
import Foundation
import SiftTensor
import SiftWorker

/// `sift`: inference-time scaling of diffusion models, on a CPU.
@main
struct Sift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sift",
        abstract: "Inference-time scaling of diffusion models: search over noises and paths, judged by verifiers.",
        version: SiftVersion.string,
        subcommands: [RunCommand.self, StatusCommand.self, ReportCommand.self, TrainCommand.self, SampleCommand.self, EvalCommand.self, SearchCommand.self, CompareCommand.self, EvaluateCommand.self, CorrelateCommand.self, MetricsCommand.self, ModelsCommand.self, EvalClassifierCommand.self, BenchCommand.self, DatasetCommand.self])

    static func main() {
        unblockTerminationSignals()
        BLASCore.relaunchWithBestKernels()
        Runtime.configure()
        var command: ParsableCommand
        // Parse errors are usage errors: the message with the usage (exit 64); `--help` exits 0.
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            try command.run()
            WorkerCatalog.shared.stopAll()
        } catch {
            WorkerCatalog.shared.stopAll()
            if let clean = error as? CleanExit { exit(withError: clean) }
            FileHandle.standardError.write(Data("Error: \(message(for: error))\n".utf8))
            Foundation.exit(ExitStatus.code(for: error))
        }
    }
}

/// A parent may start `sift` with SIGINT and SIGTERM blocked (a thread of a test runner or a job
/// scheduler; the mask is inherited): unblocked before any thread starts, so that an interrupt
/// always stops the run as documented (exit 130 / 143) instead of staying pending forever.
func unblockTerminationSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigprocmask(SIG_UNBLOCK, &set, nil)
}

/// The tool's version, recorded in results for provenance.
enum SiftVersion {
    static let string = "0.1.0"
}
