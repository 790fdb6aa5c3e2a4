import Foundation

/// `sift status Results/<name>`: where each cell of the latest expansion stands, from the cell
/// folders and, for cells submitted to Slurm, the queue (`squeue`; `sacct` where the cluster
/// keeps accounting) and the task logs.
public struct ExperimentStatus {
    public enum State: Equatable {
        case finished
        /// Submitted; Slurm lists its task with this state (`RUNNING`, `PENDING`, …).
        case queued(state: String, SlurmRecord.Placement)
        /// Its task ended without finishing it; the last lines of the task's log.
        case failed(SlurmRecord.Placement, reason: String, logTail: [String])
        case notStarted

        /// One word for tables.
        public var label: String {
            switch self {
            case .finished: return "finished"
            case .queued(let state, _): return state == "RUNNING" ? "running" : state.lowercased()
            case .failed: return "failed"
            case .notStarted: return "not started"
            }
        }
    }

    public struct Cell {
        public let id: String
        public let state: State
    }

    public let cells: [Cell]

    /// The status of the cells of `store`'s latest expansion (`experiment.json`).
    public init(store: ResultStore, client: SlurmClient = SlurmClient()) throws {
        guard let manifest = try store.manifest() else {
            throw StoreError(path: store.root.path, problem: "has no experiment.json: no run or submission has claimed it yet")
        }
        let folder = SlurmLauncher.folder(store)
        let placements = SlurmRecord.read(folder).placements
        let unfinished = manifest.cells.filter { !store.isFinished($0) }
        let jobs = Array(Set(unfinished.compactMap { placements[$0]?.job })).sorted()
        let queue = jobs.isEmpty ? [:] : try client.queue(jobs: jobs)
        let accounting = client.accounting(jobs: jobs.filter { job in !queue.keys.contains { $0.hasPrefix(job + "_") } })
        cells = manifest.cells.map { id in
            if store.isFinished(id) { return Cell(id: id, state: .finished) }
            guard let placement = placements[id] else { return Cell(id: id, state: .notStarted) }
            if let state = queue[placement.name] { return Cell(id: id, state: .queued(state: state, placement)) }
            let log = folder.appendingPathComponent("logs/\(placement.name).out")
            let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: true).suffix(5).map(String.init)
            let reason = accounting[placement.name].map { "Slurm state \($0)" } ?? "its task ended without finishing it"
            return Cell(id: id, state: .failed(placement, reason: reason, logTail: tail))
        }
    }

    /// Group indices of the failed cells (for `--resubmit-failed`).
    public var failedGroups: [Int] {
        Array(Set(cells.compactMap { cell -> Int? in
            if case .failed(let placement, _, _) = cell.state { return placement.group }
            return nil
        })).sorted()
    }

    /// Cells per state label.
    public var counts: [String: Int] { Dictionary(grouping: cells, by: \.state.label).mapValues(\.count) }
}
