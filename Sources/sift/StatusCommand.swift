import ArgumentParser
import Foundation
import SiftExperiments

/// `sift status Results/<name>`: where every cell stands — finished, running or queued on Slurm
/// (job and task), failed (its task ended without finishing it; the tail of its log), or not started.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Where each cell of an experiment stands: finished, running / queued (Slurm job and task), failed (with its log), not started.")

    @Argument(help: "The experiment's results folder (Results/<name>).") var folder: String
    @Flag(name: .customLong("resubmit-failed"), help: "Submit the failed cells' array tasks again.") var resubmitFailed = false
    @Flag(help: "With --resubmit-failed: wait until the new tasks end.") var wait = false

    func run() throws {
        let store = ResultStore(root: URL(fileURLWithPath: folder))
        let client = SlurmClient()
        var status = try ExperimentStatus(store: store, client: client)
        Self.printTable(status)
        guard resubmitFailed else {
            Self.printFailures(status)
            return
        }
        let groups = status.failedGroups
        guard !groups.isEmpty else {
            print("no failed cells to resubmit")
            return
        }
        let submissions = try SlurmLauncher.resubmit(groups, store: store, client: client)
        for s in submissions { print("resubmitted job \(s.job): tasks \(s.tasks.map { String($0.task) }.joined(separator: ","))") }
        guard wait else { return }
        while !(try client.queue(jobs: submissions.map(\.job))).isEmpty { Thread.sleep(forTimeInterval: 2) }
        _ = try store.rebuildSummary()
        status = try ExperimentStatus(store: store, client: client)
        Self.printTable(status)
        Self.printFailures(status)
    }

    static func printTable(_ status: ExperimentStatus) {
        var table = TextTable(["cell", "status", "job", "task"])
        for cell in status.cells {
            switch cell.state {
            case .queued(_, let p), .failed(let p, _, _): table.add([cell.id, cell.state.label, p.job, "\(p.task)"])
            case .finished, .notStarted: table.add([cell.id, cell.state.label, "", ""])
            }
        }
        print(table.render())
        print(status.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }

    /// Each failed task once: why, and the last lines of its log.
    static func printFailures(_ status: ExperimentStatus) {
        var shown = Set<String>()
        for cell in status.cells {
            guard case .failed(let p, let reason, let tail) = cell.state, shown.insert(p.name).inserted else { continue }
            print("task \(p.name) failed (\(reason)); last lines of its log:")
            for line in tail { print("  \(line)") }
        }
    }
}
