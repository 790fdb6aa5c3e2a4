import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a run on standard error: a live line on a terminal (cells done/total, current
/// cell, samples per second, ETA), plain lines when the output is a log.
public final class ProgressReporter: @unchecked Sendable {
    let live: Bool
    let quiet: Bool
    private var total = 0, done = 0
    private var started = Date()
    private var cellStart = Date()
    private var samples = 0, samplesDone = 0
    /// Candidates generated so far in the current cell (or group), when it reports them.
    private var generated = 0
    private var counted = true
    private var current = ""
    private var timer: DispatchSourceTimer?
    private let lock = NSLock()

    public init(quiet: Bool = false) {
        live = isatty(2) == 1
        self.quiet = quiet
    }

    func write(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    public func start(total: Int, skipped: Int) {
        lock.lock(); defer { lock.unlock() }
        self.total = total
        started = Date()
        write("\(total) cell\(total == 1 ? "" : "s") to run\(skipped > 0 ? ", \(skipped) already finished or not selected" : "")\n")
        if total > 0 && !quiet {
            // A live line redrawn every second on a terminal; a plain line every 30 s in a log.
            let period: Double = live ? 1 : 30
            let t = DispatchSource.makeTimerSource(queue: .global())
            t.schedule(deadline: .now() + period, repeating: period)
            t.setEventHandler { [weak self] in self?.redraw() }
            t.resume()
            timer = t
        }
    }

    /// A message on its own line.
    public func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        write((live ? "\r\u{1B}[K" : "") + text + "\n")
    }

    /// A new cell (or group) of `samples` candidates; `counted`: the search reports them as it
    /// generates them (``advance(_:)``), so the line shows how many are done.
    func begin(cell: String, samples: Int, counted: Bool = true) {
        lock.lock(); defer { lock.unlock() }
        current = cell.count > 40 ? String(cell.prefix(37)) + "…" : cell
        cellStart = Date()
        self.samples = samples
        self.counted = counted
        generated = 0
        if !live { write("[\(done)/\(total)] running \(current) (\(samples) candidate samples)\n") }
    }

    /// Counts candidates generated in the current cell (called from the search's solver loop).
    func advance(_ candidates: Int) {
        lock.lock(); defer { lock.unlock() }
        generated += candidates
    }

    func end(cell: String, summary: String) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        samplesDone += samples
        samples = 0   // a group's candidates count once, at its first finished cell
        let line = "[\(done)/\(total)] \(cell) done (elapsed \(String(format: "%.1f", Date().timeIntervalSince(started))) s): \(summary)"
        write((live ? "\r\u{1B}[K" : "") + line + "\n")
    }

    func redraw() {
        lock.lock(); defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(started)
        // Candidates of finished cells plus those generated in the current one.
        let inCell = samples > 0 && counted ? min(generated, samples) : 0
        let rate = elapsed > 0 ? Double(samplesDone + inCell) / elapsed : 0
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
        let cellPart = samples > 0 && counted ? String(format: " · %d/%d candidates", inCell, samples) : ""
        let line = String(format: "[%d/%d] %@%@ · %.0f samples/s · elapsed %.0f s · ETA %@", done, total, current, cellPart, rate, elapsed,
                          eta.isFinite ? String(format: "%.0f s", eta) : "?")
        write(live ? "\r\u{1B}[K" + line : line + "\n")
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        timer?.cancel()
        timer = nil
        if live { write("\r\u{1B}[K") }
        write(String(format: "finished %d cell%@ in %.1f s\n", done, done == 1 ? "" : "s", Date().timeIntervalSince(started)))
    }
}
