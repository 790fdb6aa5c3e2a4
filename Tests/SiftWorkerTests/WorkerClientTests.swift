import Foundation
import Testing
@testable import SiftWorker

/// The client against a worker that misbehaves on purpose (Tests/Fixtures/worker/misbehave.py):
/// every failure is an error naming the command and the operation, never a hang or a crash.
@Suite(.serialized, .enabled(if: WorkerFixtures.hasNumPy, "needs python3 with NumPy (make test installs them)"))
struct WorkerClientTests {
    let x = (0..<(10 * 784)).map { Float($0 % 97) / 97 - 0.5 }

    @Test func goodWorkerIsDescribedBatchedAndStopped() throws {
        let client = try WorkerClient(command: WorkerFixtures.misbehaving("good"))
        #expect(client.description.name == "misbehave-good")
        #expect(client.description.ops == ["velocity", "score"])
        #expect(client.description.sampleShape == [1, 28, 28])
        #expect(client.description.nullClass == 10)
        #expect(client.description.flopsPerForward == nil)
        #expect(client.description.flopsPerImage == 1000)
        #expect(client.batchSize == 4)
        let v = try client.velocity(x, t: [Float](repeating: 0.5, count: 10), labels: Array(0..<10))
        #expect(v == x.map { -$0 })
        #expect(client.requests == 3)  // 10 samples in batches of 4, 4, 2
        let scores = try client.score(x, shape: [1, 28, 28], labels: Array(0..<10))
        #expect(scores.count == 10)
        #expect(abs(scores[0] - x[0..<784].reduce(0, +) / 784) < 1e-5)
        let pid = client.process.pid
        client.shutdown()
        #expect(!client.process.isRunning)
        #expect(kill(pid, 0) != 0)
    }

    @Test func batchCapFromTheExperiment() throws {
        let client = try WorkerClient(command: WorkerFixtures.misbehaving("good"), batch: 3)
        defer { client.shutdown() }
        #expect(client.batchSize == 3)
        _ = try client.velocity(x, t: [Float](repeating: 0.5, count: 10), labels: Array(0..<10))
        #expect(client.requests == 4)
    }

    /// Runs one velocity request against `mode` and returns the error's text.
    func failure(_ mode: String, timeout: Double = 20) throws -> String {
        let client = try WorkerClient(command: WorkerFixtures.misbehaving(mode), timeout: timeout)
        defer { client.shutdown() }
        do {
            _ = try client.velocity(Array(x[0..<784]), t: [0.5], labels: [1])
        } catch let error as WorkerError {
            return error.description
        }
        Issue.record("mode \(mode) gave no error")
        return ""
    }

    @Test func deathNamesCommandStatusAndStderr() throws {
        let text = try failure("die")
        #expect(text.contains("misbehave.py die"))
        #expect(text.contains("'velocity'"))
        #expect(text.contains("exit status 3"))
        #expect(text.contains("the model exploded"))
    }

    @Test func garbageWrongIdMissingOkBadShapeAndNaNAreBadAnswers() throws {
        for (mode, expected) in [("garbage", "not safetensors"), ("huge", "more than 4 GiB"), ("wrong-id", "answered id 2, expected 1"),
                                 ("no-ok", "no boolean 'ok'"), ("bad-shape", "'v' has shape [1, 784], expected [1, 1, 28, 28]"), ("nan", "holds nan")] {
            let text = try failure(mode)
            #expect(text.contains("gave a bad answer to 'velocity'"), "\(mode): \(text)")
            #expect(text.contains(expected), "\(mode): \(text)")
        }
    }

    @Test func workerErrorIsPassedOn() throws {
        let text = try failure("error")
        #expect(text == "worker '\(WorkerFixtures.misbehaving("error"))' failed 'velocity': CUDA out of memory (pretend)")
    }

    @Test func silentWorkerTimesOutAndIsStopped() throws {
        let start = Date()
        let text = try failure("silent", timeout: 1)
        #expect(text.contains("sent nothing for 1 s during 'velocity'"))
        #expect(Date().timeIntervalSince(start) < 15)
    }

    @Test func otherProtocolVersionIsRefused() {
        #expect(throws: WorkerError.unsuitable(command: WorkerFixtures.misbehaving("version"), problem: "speaks protocol version 2; Sift speaks 1")) {
            _ = try WorkerClient(command: WorkerFixtures.misbehaving("version"))
        }
    }

    @Test func missingCommandFailsWithItsStatus() {
        do {
            _ = try WorkerClient(command: "sift-no-such-worker --x")
            Issue.record("no error")
        } catch let error as WorkerError {
            #expect(error.description.contains("worker 'sift-no-such-worker --x' exited (exit status 127) during 'describe'"), "\(error)")
            #expect(error.description.contains("not found"), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func terminateAllStopsLiveWorkers() throws {
        let client = try WorkerClient(command: WorkerFixtures.misbehaving("good"))
        #expect(WorkerRegistry.shared.pids.contains(client.process.pid))
        WorkerRegistry.shared.terminateAll()
        #expect(client.process.waitForExit(seconds: 5))
        client.shutdown()
        #expect(!WorkerRegistry.shared.pids.contains(client.process.pid))
    }

    /// Starting and stopping workers (also ones that died) leaks no file descriptors.
    @Test func workersLeaveNoOpenDescriptors() throws {
        func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0 }
        func cycle() throws {
            let good = try WorkerClient(command: WorkerFixtures.misbehaving("good"))
            good.shutdown()
            _ = try? failure("die")
        }
        try cycle()  // first use may open lasting descriptors of its own (libraries, caches)
        usleep(300_000)
        let before = openDescriptors()
        for _ in 0..<8 { try cycle() }
        usleep(300_000)
        #expect(openDescriptors() <= before + 2, "\(before) descriptors open before, \(openDescriptors()) after 8 worker cycles")
    }
}
