import ArgumentParser
import Foundation
import SiftExperiments

/// The exit codes of every `sift` command (README, "Exit codes"):
/// 0 success; 1 bad input (a file, a key, a value — found before anything runs); 2 a run that
/// failed after it started (a disk full, a failed `--jobs` worker); 3 a run left incomplete
/// because another run still holds some cells; 64 a command-line usage error (with the usage);
/// 128 + n when killed by signal n (130 SIGINT, 143 SIGTERM), as the shell reports it.
enum ExitStatus {
    static let badInput: Int32 = 1
    static let failedRun: Int32 = 2
    static let incomplete: Int32 = 3

    /// The code for an error thrown by a command's `run()`.
    static func code(for error: Error) -> Int32 {
        switch error {
        case is RunFailure: return failedRun
        case is IncompleteRun: return incomplete
        default: return badInput
        }
    }
}

/// A run that failed after it started: the error that stopped it.
struct RunFailure: Error, CustomStringConvertible {
    let underlying: Error
    var description: String { "the run stopped: \(Sift.message(for: underlying)) (finished cells are kept; rerun to resume)" }
}

/// A run that finished what it could while another run still holds some of its cells.
struct IncompleteRun: Error, CustomStringConvertible {
    let held: Int
    let results: String
    var description: String {
        "\(held) cell\(held == 1 ? " is" : "s are") still being written by another run; \(results)'s summary lacks them until that run ends (rerun then to complete it)"
    }
}
