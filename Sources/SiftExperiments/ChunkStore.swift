import Foundation
import SiftNN
import SiftSearch
import SiftTensor
import SiftUtilities

/// Checkpoints inside a cell: the outcome of each finished chunk of its slots, kept under
/// `Results/<name>/.chunks/<cell>/` until the cell is finished, so an interrupted run loses at
/// most the chunk in progress. Outside the cell folder on purpose: an unfinished cell's folder is
/// removed when its run stops, its chunks are not.
///
/// A chunk file is safetensors: the final samples (`images`, `S×C×H×W`), their t = 0.6
/// predictions (`early`) when kept, and the rest of the outcome as JSON metadata (the FID
/// oracle's running state included, as exact decimal doubles), with the weights hash it was
/// computed with (a chunk from other weights is ignored).
struct ChunkStore {
    let root: URL

    init(results: ResultStore) { root = results.root.appendingPathComponent(".chunks") }

    func folder(_ cell: String) -> URL { root.appendingPathComponent(cell) }

    func url(_ cell: String, _ chunk: SearchTask) -> URL {
        folder(cell).appendingPathComponent("class\(chunk.classes.map(String.init).joined(separator: "_"))-samples\(chunk.samples.lowerBound)-\(chunk.samples.upperBound).safetensors")
    }

    /// The saved outcome of `chunk` of `cell`, nil when there is none (or it was made with other
    /// weights, or does not read: it is then recomputed).
    func load(_ cell: String, _ chunk: SearchTask, weightsHash: String?) -> SearchOutcome? {
        guard let file = try? SafetensorsFile.read(from: url(cell, chunk)),
              let json = file.metadata["outcome"], let record = try? JSONDecoder().decode(ChunkRecord.self, from: Data(json.utf8)),
              record.weightsHash == weightsHash, let images = file.tensors["images"], record.chosen.count == chunk.count
        else { return nil }
        return SearchOutcome(algorithm: record.algorithm, budgetName: record.budgetName, budget: record.budget, noSearch: record.noSearch,
                             images: Tensor(images.values, shape: images.shape), early: file.tensors["early"].map { Tensor($0.values, shape: $0.shape) },
                             chosen: record.chosen, trace: record.trace, ledger: record.ledger, finalScores: record.finalScores,
                             verifierState: record.verifierState)
    }

    /// Saves the outcome of `chunk` of `cell` atomically.
    func save(_ outcome: SearchOutcome, cell: String, chunk: SearchTask, weightsHash: String?) throws {
        let record = ChunkRecord(algorithm: outcome.algorithm, budgetName: outcome.budgetName, budget: outcome.budget, noSearch: outcome.noSearch,
                                 chosen: outcome.chosen, trace: outcome.trace, ledger: outcome.ledger, finalScores: outcome.finalScores,
                                 weightsHash: weightsHash, verifierState: outcome.verifierState)
        var tensors = ["images": SafetensorsTensor(shape: outcome.images.shape, values: outcome.images.data)]
        if let early = outcome.early { tensors["early"] = SafetensorsTensor(shape: early.shape, values: early.data) }
        let file = SafetensorsFile(tensors: tensors, metadata: ["outcome": String(decoding: try JSONEncoder().encode(record), as: UTF8.self)])
        let target = url(cell, chunk)
        do { try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
            throw StoreError(path: target.deletingLastPathComponent().path, problem: "cannot create the chunk folder (\(error.localizedDescription))")
        }
        do { try writeFileAtomically(try file.encode(), to: target) } catch let failure as AtomicWriteFailure {
            throw StoreError(path: target.path, problem: failure.reason)
        }
    }

    /// Removes the chunks of `cell` (once it is finished, or before a forced rerun).
    func remove(_ cell: String) {
        try? FileManager.default.removeItem(at: folder(cell))
        if let left = try? FileManager.default.contentsOfDirectory(atPath: root.path), left.isEmpty { try? FileManager.default.removeItem(at: root) }
    }
}

/// What a chunk file keeps besides its tensors.
struct ChunkRecord: Codable {
    let algorithm: String
    let budgetName: String
    let budget: Int
    let noSearch: Bool
    let chosen: [ChosenSample]
    let trace: [Double]
    let ledger: Ledger
    let finalScores: [Double]?
    let weightsHash: String?
    /// ``SearchOutcome/verifierState`` (absent from chunks of verifiers without one).
    let verifierState: [Double]?
}
