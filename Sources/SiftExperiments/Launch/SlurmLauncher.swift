import Foundation
import SiftUtilities

/// `sift run FILE --launcher slurm`: submits an experiment's groups of shared work (the groups
/// `--shard` uses) as Slurm array tasks, one group per task, each running `sift run FILE --shard
/// k/G` with the usual cell locks, so overlapping or repeated tasks never compute a cell twice.
/// Writes the sbatch script, the logs (`%A_%a.out`) and a record of the submissions under
/// `Results/<name>/.slurm/`.
public struct SlurmLauncher {
    /// The experiment file and overrides, as given (tasks run in this working folder).
    public let file: String
    public let overrides: [String]
    /// The `--results` folder, as given.
    public let results: String
    public let store: ResultStore
    /// Every cell of the expansion (shards count groups of all of them).
    public let cells: [ExperimentCell]
    public let settings: SlurmSettings
    /// The `sift` executable the tasks run.
    public var executable: String
    /// The folder the tasks start in (`--chdir`).
    public var workingDirectory = FileManager.default.currentDirectoryPath
    /// `--chunk-tflop` of the tasks.
    public var chunkTFLOP = 10.0
    public var client = SlurmClient()

    /// Errors found before anything is submitted.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public init(file: String, overrides: [String], results: String, store: ResultStore, cells: [ExperimentCell]) throws {
        // Launcher keys are not part of cell ids, so the expansion refuses them as axes: one setting for all cells.
        guard let first = cells.first else { throw Problem(description: "\(file): the experiment has no cells") }
        self.file = file
        self.overrides = overrides
        self.results = results
        self.store = store
        self.cells = cells
        settings = first.config.launcher
        executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// `Results/<name>/.slurm/`.
    public var folder: URL { Self.folder(store) }
    public static func folder(_ store: ResultStore) -> URL { store.root.appendingPathComponent(".slurm") }
    var scriptURL: URL { folder.appendingPathComponent("sift.sbatch") }

    /// The groups of shared work, in shard order.
    public var groups: [[ExperimentCell]] { ExperimentRunner.groups(cells) }

    /// Indices of the groups with a cell that is not finished.
    public func unfinishedGroups() -> [Int] {
        groups.enumerated().filter { $0.element.contains { !store.isFinished($0.id) } }.map(\.offset)
    }

    /// The sbatch script: one array task per group; the first argument is the offset added to
    /// the task id (arrays longer than the cluster's MaxArraySize are split).
    public func script() -> String {
        let name = cells[0].config.name
        let command = [executable, "run", file] + overrides + ["--results", results]
        var lines = [
            "#!/bin/bash",
            "# Written by `sift run \(file) --launcher slurm`: task k runs group k + offset of the",
            "# experiment's \(groups.count) groups of shared work (sift run --shard); finished cells are skipped.",
            "#SBATCH --job-name=sift-\(name)",
            "#SBATCH --output=\(folder.appendingPathComponent("logs").path)/%A_%a.out",
            "#SBATCH --open-mode=append",
            "#SBATCH --chdir=\(workingDirectory)",
        ] + settings.directives.map { "#SBATCH \($0)" }
        lines += settings.setup
        lines += [
            "offset=${1:-0}",
            "shard=$((offset + SLURM_ARRAY_TASK_ID + 1))",
            "# Before the time limit (--signal): stop the current cell cleanly (chunks saved so far are",
            "# kept), then requeue this task, which resumes with the unfinished cells.",
            "stop_and_requeue() {",
            "  echo \"sift: time limit near; stopping and requeueing task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"",
            "  kill -TERM \"$child\" 2>/dev/null",
            "  wait \"$child\"",
            "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"",
            "  exit 0",
            "}",
            "trap stop_and_requeue USR1",
            command.map(Self.quoted).joined(separator: " ") + " --shard \"$shard/\(groups.count)\" --threads \(settings.cpusPerTask)"
                + " --chunk-tflop \(chunkTFLOP) &",
            "child=$!",
            "wait \"$child\"",
            "status=$?",
            "# 3: some cells were held by another task or run, which finishes them.",
            "[ \"$status\" -eq 3 ] && status=0",
            "exit \"$status\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `sbatch` calls that would submit `indices` (global group indices): one per block of
    /// MaxArraySize, as (offset, `--array` value, task ids).
    public func arrays(_ indices: [Int], maxArraySize: Int) -> [(offset: Int, array: String, tasks: [Int])] {
        Self.arrays(indices, maxArraySize: maxArraySize, parallelism: settings.arrayParallelism)
    }

    static func arrays(_ indices: [Int], maxArraySize: Int, parallelism: Int?) -> [(offset: Int, array: String, tasks: [Int])] {
        let byBlock = Dictionary(grouping: indices) { $0 / maxArraySize }
        return byBlock.keys.sorted().map { block in
            let offset = block * maxArraySize
            let local = byBlock[block]!.map { $0 - offset }.sorted()
            return (offset, SlurmClient.ranges(local) + (parallelism.map { "%\($0)" } ?? ""), local)
        }
    }

    /// Writes the script and submits `indices` (default: the unfinished groups); records and
    /// returns the submissions.
    @discardableResult
    public func submit(_ indices: [Int]? = nil) throws -> [SlurmRecord.Submission] {
        let todo = indices ?? unfinishedGroups()
        guard !todo.isEmpty else { return [] }
        try store.prepare()
        try store.claim(ExperimentManifest(source: ExperimentManifest.sourcePath(file), cells: cells.map(\.id)))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        do { try writeFileAtomically(Data(script().utf8), to: scriptURL) } catch {
            throw Problem(description: "\(scriptURL.path): \(error.reason)")
        }
        var record = SlurmRecord.read(folder)
        record.arrayParallelism = settings.arrayParallelism
        let allGroups = groups
        return try record.submit(todo, cells: { allGroups[$0].map(\.id) }, script: scriptURL, folder: folder, client: client)
    }

    /// Submits again the groups `indices` of earlier submissions (their cells as recorded), with
    /// the script already written (`sift status --resubmit-failed`).
    public static func resubmit(_ indices: [Int], store: ResultStore, client: SlurmClient = SlurmClient()) throws -> [SlurmRecord.Submission] {
        let folder = folder(store)
        var record = SlurmRecord.read(folder)
        let cellsByGroup = Dictionary(grouping: record.placements, by: \.value.group).mapValues { $0.map(\.key).sorted() }
        let script = folder.appendingPathComponent("sift.sbatch")
        guard FileManager.default.fileExists(atPath: script.path) else { throw Problem(description: "\(script.path): no sbatch script to resubmit") }
        return try record.submit(indices, cells: { cellsByGroup[$0] ?? [] }, script: script, folder: folder, client: client)
    }

    /// Waits until none of `jobs` is queued or running, calling `report` with the states every
    /// `interval` seconds.
    public func wait(for jobs: [String], interval: Double = 2, report: ([String: String]) -> Void = { _ in }) throws {
        while true {
            let states = try client.queue(jobs: jobs)
            if states.isEmpty { return }
            report(states)
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// `value` as one single-quoted shell word.
    static func quoted(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// `Results/<name>/.slurm/submissions.json`: every array job submitted for the experiment, and
/// which cells each of its tasks runs.
public struct SlurmRecord: Codable {
    public struct Task: Codable {
        /// The array task id.
        public let task: Int
        public let cells: [String]
    }

    public struct Submission: Codable {
        public let job: String
        public let submitted: String
        /// Added to a task id to give its group's index (arrays split at MaxArraySize).
        public let offset: Int
        public let tasks: [Task]
    }

    public var submissions: [Submission] = []
    /// The `%P` limit of the arrays (kept for resubmissions).
    public var arrayParallelism: Int?

    /// Submits the groups `indices` (one array per MaxArraySize block, the block's offset as the
    /// script's argument), recording each submission as it is made.
    mutating func submit(_ indices: [Int], cells: (Int) -> [String], script: URL, folder: URL, client: SlurmClient) throws -> [Submission] {
        var made = [Submission]()
        for (offset, array, tasks) in SlurmLauncher.arrays(indices, maxArraySize: client.maxArraySize(), parallelism: arrayParallelism) {
            let job = try client.submit(script: script, array: array, arguments: ["\(offset)"])
            let submission = Submission(job: job, submitted: ISO8601DateFormatter().string(from: Date()), offset: offset,
                                        tasks: tasks.map { Task(task: $0, cells: cells($0 + offset)) })
            submissions.append(submission)
            made.append(submission)
            try write(folder)
        }
        return made
    }

    static func url(_ folder: URL) -> URL { folder.appendingPathComponent("submissions.json") }

    /// The record in `folder` (empty when there is none).
    public static func read(_ folder: URL) -> SlurmRecord {
        guard let data = try? Data(contentsOf: url(folder)), let record = try? JSONDecoder().decode(SlurmRecord.self, from: data) else {
            return SlurmRecord()
        }
        return record
    }

    func write(_ folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try writeFileAtomically(try encoder.encode(self), to: Self.url(folder)) } catch let failure as AtomicWriteFailure {
            throw SlurmLauncher.Problem(description: "\(Self.url(folder).path): \(failure.reason)")
        }
    }

    /// Where a cell was last submitted: its job, array task and group index.
    public struct Placement: Equatable {
        public let job: String
        public let task: Int
        public let group: Int
        /// `job_task`, as Slurm names array tasks.
        public var name: String { "\(job)_\(task)" }
    }

    /// The latest submitted task of each cell.
    public var placements: [String: Placement] {
        var latest = [String: Placement]()
        for submission in submissions {
            for task in submission.tasks {
                for cell in task.cells { latest[cell] = Placement(job: submission.job, task: task.task, group: submission.offset + task.task) }
            }
        }
        return latest
    }
}
