import ArgumentParser
import Foundation
import SiftExperiments

/// `sift run FILE --launcher slurm [--wait] [--dry-run]`: the experiment's unfinished groups as a
/// Slurm job array (``SlurmLauncher``).
extension RunCommand {
    func runOnSlurm(expanded: [ExperimentCell], store: ResultStore, runner: ExperimentRunner) throws {
        guard jobs == 1, shard == nil, cells == nil, !force else {
            throw ValidationError("--launcher slurm submits every unfinished group itself: it takes no --jobs, --shard or --force (remove a cell's folder to recompute it)")
        }
        var launcher = try SlurmLauncher(file: file, overrides: overrides, results: results, store: store, cells: expanded)
        launcher.chunkTFLOP = chunkTFLOP
        try runner.preflight()
        try store.checkOwner(ExperimentManifest(source: ExperimentManifest.sourcePath(file), cells: expanded.map(\.id)))
        let todo = launcher.unfinishedGroups()
        if dryRun {
            print(launcher.script())
            let arrays = launcher.arrays(todo, maxArraySize: launcher.client.isAvailable ? launcher.client.maxArraySize() : 1001)
            print("# \(todo.count) of \(launcher.groups.count) groups to submit (\(expanded.filter { !store.isFinished($0.id) }.count) unfinished cells), in \(arrays.count) array\(arrays.count == 1 ? "" : "s"):")
            for a in arrays { print("#   sbatch --parsable --array=\(a.array) \(launcher.folder.path)/sift.sbatch \(a.offset)") }
            return
        }
        guard !todo.isEmpty else {
            print("every cell of \(store.root.path) is finished; nothing to submit")
            return
        }
        let submissions = try launcher.submit(todo)
        for s in submissions { print("submitted job \(s.job): \(s.tasks.count) array task\(s.tasks.count == 1 ? "" : "s") (logs in \(launcher.folder.path)/logs)") }
        guard wait else {
            print("watch it with: sift status \(store.root.path)")
            return
        }
        var last = ""
        try launcher.wait(for: submissions.map(\.job)) { states in
            let line = Dictionary(grouping: states.values, by: { $0 }).map { "\($0.value.count) \($0.key.lowercased())" }.sorted().joined(separator: ", ")
            if line != last { print("tasks: \(line)"); last = line }
        }
        _ = try store.rebuildSummary()
        let status = try ExperimentStatus(store: store, client: launcher.client)
        printTable(store: store, cells: expanded)
        StatusCommand.printFailures(status)
        let unfinished = status.cells.filter { $0.state != .finished }.count
        if unfinished > 0 {
            throw RunFailure(underlying: SlurmIncomplete(unfinished: unfinished, results: store.root.path))
        }
    }
}

/// Cells a finished Slurm array left unfinished.
struct SlurmIncomplete: Error, CustomStringConvertible {
    let unfinished: Int
    let results: String
    var description: String {
        "\(unfinished) cell\(unfinished == 1 ? " was" : "s were") not finished by the array; see `sift status \(results)` and resubmit with `sift status \(results) --resubmit-failed`"
    }
}
