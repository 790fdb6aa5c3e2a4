import Foundation
import Testing
@testable import SiftExperiments

/// The Slurm launcher against a real Slurm (`scripts/slurm-local.sh` starts a one-node cluster;
/// `make test` runs it): an array gives the same summary as a local run; a cancelled task shows
/// as failed in `sift status` and `--resubmit-failed` finishes the experiment; a task warned of
/// its time limit stops cleanly and requeues itself; `sift status` on finished, running and
/// failed experiments. Skipped with a message where no Slurm answers,
/// except under CI, which must run them.
@Suite(.serialized) struct SlurmTests {
    static var available: Bool {
        if SlurmClient().isAvailable { return true }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("CI must run the Slurm tests: no Slurm controller answers `scontrol ping` (make test starts one with scripts/slurm-local.sh)")
        } else {
            print("SlurmTests skipped: no Slurm controller answers `scontrol ping` (start one with scripts/slurm-local.sh)")
        }
        return false
    }

    /// The tiny experiment in two groups (search steps 2 and 3), one CPU per task.
    static let twoGroups = ["sampler.search_steps=2,3", "launcher.cpus_per_task=1", "launcher.time=10"]

    @Test func anArrayGivesTheLocalSummaryAndStatusReportsIt() throws {
        guard Self.available else { return }
        let local = TinyExperiment.results("slurm-local"), cluster = TinyExperiment.results("slurm-array")
        let l = try CLITests.sift(["run", TinyExperiment.file] + Self.twoGroups + ["--results", local.path])
        #expect(l.status == 0, "\(l.err)")
        let dry = try CLITests.sift(["run", TinyExperiment.file] + Self.twoGroups + ["--launcher", "slurm", "--dry-run", "--results", cluster.path])
        #expect(dry.status == 0, "\(dry.err)")
        #expect(dry.out.contains("#SBATCH --cpus-per-task=1") && dry.out.contains("# 2 of 2 groups to submit"), "\(dry.out)")
        #expect(!FileManager.default.fileExists(atPath: cluster.appendingPathComponent("tiny/.slurm").path), "a dry run submits nothing")

        let r = try CLITests.sift(["run", TinyExperiment.file] + Self.twoGroups + ["--launcher", "slurm", "--wait", "--results", cluster.path])
        #expect(r.status == 0, "\(r.out)\n\(r.err)")
        #expect(r.out.contains("submitted job"), "\(r.out)")
        #expect(try TinyExperiment.summary(cluster) == TinyExperiment.summary(local))
        let record = SlurmRecord.read(cluster.appendingPathComponent("tiny/.slurm"))
        #expect(record.submissions.count == 1 && record.submissions[0].tasks.count == 2)

        let status = try CLITests.sift(["status", cluster.appendingPathComponent("tiny").path])
        #expect(status.status == 0 && status.out.contains("12 finished"), "\(status.out)\n\(status.err)")
        let again = try CLITests.sift(["run", TinyExperiment.file] + Self.twoGroups + ["--launcher", "slurm", "--results", cluster.path])
        #expect(again.out.contains("nothing to submit"), "\(again.out)")
    }

    @Test func aCancelledTaskFailsAndIsResubmitted() throws {
        guard Self.available else { return }
        let file = try FaultTests.slowFile
        // Four groups (seeds) of 60 samples, one task at a time: each runs for a few seconds.
        let overrides = ["samples.per_class=6", "launcher.cpus_per_task=1", "launcher.array_parallelism=1"]
        let local = TinyExperiment.results("slurm-cancel-local"), cluster = TinyExperiment.results("slurm-cancel")
        let folder = cluster.appendingPathComponent("slow")
        let submit = try CLITests.sift(["run", file] + overrides + ["--launcher", "slurm", "--results", cluster.path])
        #expect(submit.status == 0, "\(submit.err)")
        let job = try #require(SlurmRecord.read(folder.appendingPathComponent(".slurm")).submissions.first?.job)

        let client = SlurmClient()
        let deadline = Date().addingTimeInterval(240)
        /// Waits until task `task` runs and its log exists.
        func waitUntilRunning(_ task: Int) throws {
            while Date() < deadline, try client.queue(jobs: [job])["\(job)_\(task)"] != "RUNNING"
                    || !FileManager.default.fileExists(atPath: folder.appendingPathComponent(".slurm/logs/\(job)_\(task).out").path) {
                usleep(50_000)
            }
        }
        // Task 0 runs first (one task at a time): cancel it once it runs.
        try waitUntilRunning(0)
        let running = try CLITests.sift(["status", folder.path])
        #expect(running.out.contains("running") && running.out.contains(job), "\(running.out)")
        let cancel = try client.run("scancel", ["\(job)_0"])
        #expect(cancel.status == 0, "\(cancel.error)")
        // Task 1 gets the time-limit warning (what --signal=B:USR1@… sends): it stops its cell
        // cleanly and requeues itself; Slurm holds a requeued task for a while, released here.
        try waitUntilRunning(1)
        // (The batch step may need a moment after the task shows as running before it takes
        // signals: sent again until the task's log shows it arrived.)
        let log1URL = folder.appendingPathComponent(".slurm/logs/\(job)_1.out")
        func warned() -> Bool { ((try? String(contentsOf: log1URL, encoding: .utf8)) ?? "").contains("stopping and requeueing") }
        while !warned(), Date() < deadline {
            _ = try client.run("scancel", ["--batch", "--signal=USR1", "\(job)_1"])
            for _ in 0..<10 where !warned() { usleep(100_000) }
        }
        #expect(warned(), "task 1 took the time-limit signal")
        var released = false
        while Date() < deadline, !(try client.queue(jobs: [job])).isEmpty {
            if !released, try client.queue(jobs: [job])["\(job)_1"] == "PENDING" {
                released = try client.run("scontrol", ["update", "JobId=\(job)_1", "StartTime=now"]).status == 0
            }
            usleep(200_000)
        }
        #expect(released, "task 1 was requeued")
        let log1 = try String(contentsOf: log1URL, encoding: .utf8)
        #expect(log1.components(separatedBy: "stopping and requeueing").count == 2 && log1.contains("finished 2 cells"),
                "one warning, then the requeued run finished the group: \(log1)")
        #expect(FaultTests.unfinished(folder).filter { !$0.hasPrefix(".") }.isEmpty, "no half-written cell")

        let failed = try CLITests.sift(["status", folder.path])
        #expect(failed.status == 0)
        #expect(failed.out.contains("failed") && failed.out.contains("task \(job)_0 failed"), "\(failed.out)")
        let status = try ExperimentStatus(store: ResultStore(root: folder))
        #expect(status.failedGroups == [0], "only the cancelled task's group failed; the requeued one finished")

        let resubmit = try CLITests.sift(["status", folder.path, "--resubmit-failed", "--wait"])
        #expect(resubmit.status == 0 && resubmit.out.contains("resubmitted job"), "\(resubmit.out)\n\(resubmit.err)")
        #expect(try ExperimentStatus(store: ResultStore(root: folder)).cells.allSatisfy { $0.state == .finished })
        let l = try CLITests.sift(["run", file] + overrides + ["--results", local.path])
        #expect(l.status == 0, "\(l.err)")
        func summary(_ results: URL) throws -> [String] {
            try String(contentsOf: results.appendingPathComponent("slow/summary.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
                var row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                for column in ResultStore.wallClockColumns { row[column] = nil }
                return String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        #expect(try summary(cluster) == summary(local))
    }
}

/// The launcher's pieces that need no cluster: its settings (read and checked with positions, not
/// part of cell ids), the script and the arrays.
@Suite struct SlurmLauncherTests {
    static func cells(_ extra: String) throws -> [ExperimentCell] {
        try ExperimentExpansion.cells(file: "x.yaml", text: TinyExperiment.yaml + "\n" + extra, overrides: [])
    }

    @Test func launcherSettingsAreCheckedAndLeaveCellIdsAlone() throws {
        let plain = try TinyExperiment.cells()
        let withLauncher = try Self.cells("launcher: {partition: gpu, time: 30, cpus_per_task: 4, mem_gb: 8, gres: 'gpu:1', extra: [--account=lab], setup: ['module load x']}")
        #expect(plain.map(\.id) == withLauncher.map(\.id))
        let settings = withLauncher[0].config.launcher
        #expect(settings.partition == "gpu" && settings.timeMinutes == 30 && settings.cpusPerTask == 4 && settings.memGB == 8)
        #expect(settings.directives.contains("--gres=gpu:1") && settings.directives.contains("--account=lab") && settings.directives.contains("--mem=8G"))
        for (bad, message) in [("launcher: {time: 0}", "'launcher.time' must be at least 1"),
                               ("launcher: {walltime: 5}", "unknown key 'launcher.walltime'"),
                               ("launcher: {extra: ['--a b']}", "one word each"),
                               ("launcher: {time: 1, signal_seconds: 90}", "must be shorter than")] {
            #expect {
                try Self.cells(bad)
            } throws: { error in
                let text = "\(error)"
                return text.contains(message) && text.contains("x.yaml:")
            }
        }
        // Launcher keys are no axes: a sweep over one would give cells with one id.
        #expect {
            try ExperimentExpansion.cells(file: "x.yaml", text: TinyExperiment.yaml, overrides: ["launcher.time=5,6"])
        } throws: { "\($0)".contains("launcher.time = 5 and 6 are one value") }
    }

    @Test func scriptAndArrays() throws {
        var launcher = try SlurmLauncher(file: "exp's.yaml", overrides: ["verifier=clf-mlp"], results: "Results",
                                         store: ResultStore(root: URL(fileURLWithPath: "/tmp/r/tiny")),
                                         cells: try Self.cells("launcher: {array_parallelism: 3, setup: ['echo ready']}"))
        launcher.executable = "/opt/sift"
        let script = launcher.script()
        #expect(script.contains("'/opt/sift' 'run' 'exp'\\''s.yaml' 'verifier=clf-mlp' '--results' 'Results' --shard \"$shard/1\""))
        #expect(script.contains("#SBATCH --output=/tmp/r/tiny/.slurm/logs/%A_%a.out") && script.contains("#SBATCH --signal=B:USR1@120"))
        #expect(script.contains("\necho ready\n") && script.contains("scontrol requeue"))
        #expect(SlurmClient.ranges([7, 0, 1, 2, 3, 5, 8, 9]) == "0-3,5,7-9")
        let arrays = launcher.arrays([0, 1, 2, 1000, 1001, 2500], maxArraySize: 1000)
        #expect(arrays.map(\.offset) == [0, 1000, 2000])
        #expect(arrays.map(\.array) == ["0-2%3", "0-1%3", "500%3"])
    }
}
