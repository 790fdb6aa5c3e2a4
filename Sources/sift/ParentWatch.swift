import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Stops a `--jobs` worker when its parent `sift run` dies (even by `kill -9`, which leaves it no
/// chance to stop its workers): a background thread checks twice a second that the parent is
/// still the process's parent and otherwise ends the worker with SIGTERM. A worker killed so
/// leaves no finished mark on an unfinished cell (`metrics.json` is written last, atomically),
/// and the kernel drops its cell locks, so a rerun resumes.
enum ParentWatch {
    /// The environment variable through which a parent passes its pid to its workers.
    static let variable = "SIFT_PARENT_PID"

    /// Starts watching when this process was started by a `sift run --jobs` parent.
    static func startIfWorker() {
        guard let text = ProcessInfo.processInfo.environment[variable], let parent = pid_t(text) else { return }
        guard getppid() == parent else { kill(getpid(), SIGTERM); return }
        let thread = Thread {
            while getppid() == parent { usleep(500_000) }
            kill(getpid(), SIGTERM)
        }
        thread.start()
    }
}
