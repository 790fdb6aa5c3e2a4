import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running worker: a child process started with `/bin/sh -c 'exec COMMAND'`, framed messages
/// over its stdin and stdout, the last lines of its stderr kept for error messages.
///
/// Every wait is bounded by ``timeout``: a worker that neither reads nor writes for that long is
/// stopped and reported, so Sift never hangs on a worker.
public final class WorkerProcess: @unchecked Sendable {
    /// The command as written in the experiment file.
    public let command: String
    /// Seconds a single read or write may wait for the worker.
    public let timeout: Double
    let process = Process()
    /// Sift's ends of the worker's stdin and stdout. Closed through their handles (never with a
    /// raw close(2)), so that the handles do not close a reused descriptor when they are freed.
    let inputHandle: FileHandle
    let outputHandle: FileHandle
    let input: Int32
    let output: Int32
    let stderrTail = StderrTail()

    /// Starts `command` in the current folder with `SIFT_WORKER_PROTOCOL=1` added to the environment.
    public init(command: String, timeout: Double = 600) throws {
        self.command = command
        self.timeout = timeout
        signal(SIGPIPE, SIG_IGN)  // a worker that died makes writes fail with EPIPE instead of killing Sift
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec " + command]
        var environment = ProcessInfo.processInfo.environment
        environment["SIFT_WORKER_PROTOCOL"] = "1"
        process.environment = environment
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        // The child inherits this thread's signal mask: a thread that blocks SIGINT/SIGTERM (a
        // test runner's) would leave the worker deaf to the SIGTERM that stops it.
        var termination = sigset_t(), saved = sigset_t()
        sigemptyset(&termination)
        sigaddset(&termination, SIGINT)
        sigaddset(&termination, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &termination, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        do { try process.run() } catch { throw WorkerError.startFailed(command: command, reason: "\(error)") }
        inputHandle = stdinPipe.fileHandleForWriting
        outputHandle = stdoutPipe.fileHandleForReading
        input = inputHandle.fileDescriptor
        output = outputHandle.fileDescriptor
        for fd in [input, output] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        try? stdinPipe.fileHandleForReading.close()
        try? stdoutPipe.fileHandleForWriting.close()
        try? stderrPipe.fileHandleForWriting.close()
        stderrTail.follow(stderrPipe.fileHandleForReading)
        WorkerRegistry.shared.add(self)
    }

    /// The child's process id.
    public var pid: Int32 { process.processIdentifier }
    /// Whether the child is still running.
    public var isRunning: Bool { process.isRunning }

    /// The last lines the worker wrote to stderr.
    public var recentStderr: String { stderrTail.text }

    /// Sends one framed message.
    public func send(_ message: WorkerMessage, op: String) throws {
        let data = try message.framed()
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                try wait(for: input, events: Int16(POLLOUT), op: op, doing: "it read the request")
                let n = write(input, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw died(op: op, doing: "it read the request: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    /// Reads one framed message.
    public func receive(op: String) throws -> WorkerMessage {
        let prefix = try read(count: 8, op: op)
        let length: Int
        do { length = try WorkerMessage.bodyLength(prefix: prefix) } catch { throw WorkerError.badResponse(command: command, op: op, problem: "\(error)") }
        let body = try read(count: length, op: op)
        do { return try WorkerMessage.decode(body: Data(body), source: "worker '\(command)'") } catch {
            throw WorkerError.badResponse(command: command, op: op, problem: "\(error)")
        }
    }

    /// Exactly `count` bytes from the worker's stdout.
    func read(count: Int, op: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        try bytes.withUnsafeMutableBytes { raw in
            while offset < count {
                try wait(for: output, events: Int16(POLLIN), op: op, doing: "Sift waited for the answer")
                let n = Glibc.read(output, raw.baseAddress! + offset, count - offset)
                if n == 0 { throw died(op: op, doing: "Sift waited for the answer") }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw died(op: op, doing: "Sift read the answer: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        return bytes
    }

    /// Waits until `fd` is ready for `events`, at most ``timeout`` seconds; a worker that stays
    /// silent that long is stopped.
    func wait(for fd: Int32, events: Int16, op: String, doing: String) throws {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 {
                kill()
                throw WorkerError.timedOut(command: command, op: op, seconds: timeout, stderr: recentStderr)
            }
            let r = poll(&entry, 1, Int32(min(left, 1) * 1000))
            if r > 0 { return }  // ready, or an error/hang-up the read or write will report
            if r < 0 && errno != EINTR { throw died(op: op, doing: doing) }
        }
    }

    /// The error for a worker that stopped talking: its exit status when it has exited.
    func died(op: String, doing: String) -> WorkerError {
        // Give an exiting worker a moment so that its status and last stderr lines are known.
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        stderrTail.drain()
        let status = process.isRunning ? nil : Self.exitDescription(process)
        return WorkerError.died(command: command, op: op, doing: doing, status: status, stderr: recentStderr)
    }

    static func exitDescription(_ process: Process) -> String {
        process.terminationReason == .uncaughtSignal ? "killed by signal \(process.terminationStatus)" : "exit status \(process.terminationStatus)"
    }

    /// Waits up to `seconds` for the child to exit; whether it did.
    public func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    /// Closes the worker's stdin, then SIGTERM after `grace` seconds, then SIGKILL.
    public func stop(grace: Double = 5) {
        closeInput()
        if !waitForExit(seconds: grace) {
            process.terminate()
            if !waitForExit(seconds: 2) { kill() }
        }
        finish()
    }

    /// SIGKILL, no questions asked.
    func kill() {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
        _ = waitForExit(seconds: 2)
    }

    private var inputOpen = true, outputOpen = true

    /// Closes the worker's stdin (once): a worker exits at end of file.
    func closeInput() {
        if inputOpen { try? inputHandle.close() }
        inputOpen = false
    }

    /// Closes both pipes (once) and forgets the process.
    func finish() {
        closeInput()
        if outputOpen { try? outputHandle.close() }
        outputOpen = false
        WorkerRegistry.shared.remove(self)
    }
}

/// The last few kilobytes a worker wrote to stderr, read on a background thread.
final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = [UInt8]()
    private let limit = 4096
    private let done = DispatchSemaphore(value: 0)

    func follow(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { try? handle.close(); break }  // end of file: the worker has exited
                lock.lock()
                bytes += chunk
                if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
                lock.unlock()
            }
            done.signal()
        }
        thread.start()
    }

    /// Waits briefly for the reader to reach end of file (after the worker exited).
    func drain() { _ = done.wait(timeout: .now() + 0.5); done.signal() }

    /// The tail as text, from its first whole line.
    var text: String {
        lock.lock(); defer { lock.unlock() }
        var s = String(decoding: bytes, as: UTF8.self)
        if bytes.count >= limit, let newline = s.firstIndex(of: "\n") { s = String(s[s.index(after: newline)...]) }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Every worker this process has started and not yet stopped, so that a SIGINT or SIGTERM can
/// end them too (``terminateAll()``).
public final class WorkerRegistry: @unchecked Sendable {
    public static let shared = WorkerRegistry()
    private let lock = NSLock()
    private var processes = [ObjectIdentifier: WorkerProcess]()

    func add(_ p: WorkerProcess) { lock.lock(); processes[ObjectIdentifier(p)] = p; lock.unlock() }
    func remove(_ p: WorkerProcess) { lock.lock(); processes[ObjectIdentifier(p)] = nil; lock.unlock() }

    /// Process ids of the live workers.
    public var pids: [Int32] { lock.lock(); defer { lock.unlock() }; return processes.values.map(\.pid) }

    /// Sends SIGTERM to every live worker (from a signal handler's queue: no waiting).
    public func terminateAll() {
        for pid in pids where pid > 0 { _ = Glibc.kill(pid, SIGTERM) }
    }
}
