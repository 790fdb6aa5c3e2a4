import SiftTensor
import SiftWorker

/// A verifier served by an external worker (`verifier: {worker: COMMAND}`, written
/// `worker[COMMAND]` in specs): the worker's `score` of each image for its class, higher is
/// better; charged one pass per image at the FLOPs the worker reports (or unknown).
public final class WorkerVerifier: Verifier {
    public let name: String
    let client: WorkerClient
    public private(set) var cost = VerifierCost()

    public init(name: String, client: WorkerClient) throws {
        try client.description.require("score", named: "as a verifier", command: client.command)
        self.name = name
        self.client = client
    }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        let shape = Array(batch.images.shape.dropFirst())
        let scores = try client.score(batch.images.data, shape: shape, labels: batch.labels)
        cost.charge(images: batch.count, flopsPerImage: client.description.flopsPerImage)
        return scores.map(Double.init)
    }
}
