import ArgumentParser
import Foundation
import SiftTensor
import SiftWorker

/// `sift bench worker COMMAND`: velocity (or score) requests to an external worker at one batch
/// size; how much of each request the worker spends computing (its reported `seconds`) and how
/// much goes to framing, pipes and checks.
struct WorkerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Time requests to an external worker: compute against protocol overhead.",
        discussion: "Example: sift bench worker 'python3 adapters/python/numpy_sit.py --weights Models/sit-s.safetensors' --batch 256")
    @Argument(help: "The worker's command, as in an experiment file's {worker: …}.") var command: String
    @Option(help: "Items per request.") var batch = 256
    @Option(help: "Requests to time (after one warm-up request).") var requests = 10

    func run() throws {
        let client = try WorkerClient(command: command, batch: batch)
        defer { client.shutdown() }
        let d = client.description
        let op = d.ops.contains("velocity") ? "velocity" : "score"
        guard let shape = op == "velocity" ? d.sampleShape : d.imageShape else {
            throw ValidationError("the worker serves neither velocity nor score with a known shape")
        }
        let n = client.batchSize
        let x = Philox(seed: 3).normals(n * shape.reduce(1, *))
        let labels = (0..<n).map { $0 % max(d.classes ?? 10, 1) }
        func once() throws {
            if op == "velocity" { _ = try client.velocity(x, t: (0..<n).map { Float($0) / Float(n) }, labels: labels) }
            else { _ = try client.score(x, shape: shape, labels: labels) }
        }
        try once()
        let (wall0, worker0, count0) = (client.requestSeconds, client.workerSeconds, client.requests)
        for _ in 0..<requests { try once() }
        let wall = client.requestSeconds - wall0, worker = client.workerSeconds - worker0, count = client.requests - count0
        let megabytes = Double(n * shape.reduce(1, *) * 4) / 1e6
        print("\(d.name): \(count) '\(op)' requests of \(n) items (\(fmt(megabytes, 2)) MB each way)")
        print("  wall per request     \(fmt(1000 * wall / Double(count), 1)) ms (\(fmt(Double(n * count) / wall, 0)) items/s)")
        if worker > 0 {
            print("  worker compute       \(fmt(1000 * worker / Double(count), 1)) ms per request: \(fmt(100 * worker / wall, 1)) % of the wall time")
            print("  protocol overhead    \(fmt(1000 * (wall - worker) / Double(count), 1)) ms per request (framing, pipes, checks on both sides)")
        } else {
            print("  the worker reports no compute seconds: overhead unknown")
        }
    }
}
