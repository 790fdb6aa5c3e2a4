import Foundation

/// Slurm's command-line tools (`sbatch`, `squeue`, `scontrol`, `sacct`), found on PATH.
public struct SlurmClient: Sendable {
    public init() {}

    /// A Slurm command that failed or could not be started.
    public struct Failure: Error, CustomStringConvertible {
        public let command: String
        public let problem: String
        public var description: String { "\(command): \(problem)" }
    }

    /// Runs `tool arguments…` and returns its status and output.
    func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch {
            throw Failure(command: tool, problem: "cannot start it (\(error.localizedDescription)); is Slurm installed?")
        }
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus == 127 { throw Failure(command: tool, problem: "not found on PATH; is Slurm installed?") }
        return (p.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    /// Whether a controller answers (`scontrol ping`).
    public var isAvailable: Bool {
        guard let (status, output, _) = try? run("scontrol", ["ping"]) else { return false }
        return status == 0 && output.contains("is UP")
    }

    /// Submits `script` with `arguments` as an array job over `array` (an `--array` value);
    /// returns the job id.
    func submit(script: URL, array: String, arguments: [String]) throws -> String {
        let (status, output, errors) = try run("sbatch", ["--parsable", "--array=\(array)", script.path] + arguments)
        let job = output.split(separator: "\n").first.map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) } ?? ""
        guard status == 0, !job.isEmpty, job.allSatisfy(\.isNumber) else {
            throw Failure(command: "sbatch", problem: "submission failed (status \(status)): \((errors + output).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return job
    }

    /// The cluster's MaxArraySize (array indices must stay below it); 1001 when unknown.
    public func maxArraySize() -> Int {
        guard let (status, output, _) = try? run("scontrol", ["show", "config"]), status == 0 else { return 1001 }
        for line in output.split(separator: "\n") where line.hasPrefix("MaxArraySize") {
            if let value = line.split(separator: "=").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) { return value }
        }
        return 1001
    }

    /// States of the queued and running array tasks of `jobs`, by `job_task` (`12_3` → `RUNNING`).
    /// Jobs Slurm no longer lists are absent.
    public func queue(jobs: [String]) throws -> [String: String] {
        guard !jobs.isEmpty else { return [:] }
        var states = [String: String]()
        // One job at a time: squeue refuses the whole list when one id has been purged.
        for job in jobs {
            let (status, output, errors) = try run("squeue", ["--noheader", "--array", "--jobs", job, "--format", "%i %T"])
            if status != 0 {
                if errors.contains("Invalid job id") { continue }
                throw Failure(command: "squeue", problem: errors.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { states[String(parts[0])] = String(parts[1]) }
            }
        }
        return states
    }

    /// Final states of ended array tasks from accounting (`sacct`), by `job_task`; empty where the
    /// cluster keeps no accounting.
    func accounting(jobs: [String]) -> [String: String] {
        guard !jobs.isEmpty, let (status, output, _) = try? run("sacct", ["--noheader", "--parsable2", "--allocations", "--jobs",
                                                                          jobs.joined(separator: ","), "--format", "JobID,State"]),
              status == 0 else { return [:] }
        var states = [String: String]()
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "|")
            if parts.count >= 2 { states[String(parts[0])] = String(parts[1].split(separator: " ")[0]) }
        }
        return states
    }

    /// `0-3,5,7-9` for indices 0, 1, 2, 3, 5, 7, 8, 9 (sorted, distinct).
    static func ranges(_ indices: [Int]) -> String {
        var parts = [String](), i = 0
        let sorted = Array(Set(indices)).sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}
