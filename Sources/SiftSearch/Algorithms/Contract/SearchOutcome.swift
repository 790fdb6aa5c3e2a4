import SiftTensor

/// The chosen sample of one slot.
public struct ChosenSample: Codable, Equatable, Sendable {
    /// The slot and the index of the winning candidate (random search: the pool index; zero-order:
    /// the neighbour id of the final pivot; paths: the survivor's path index).
    public let key: CandidateKey
    /// The verifier's score of the winner when it was chosen (nil without search).
    public let searchScore: Double?
    enum CodingKeys: String, CodingKey {
        case key
        case searchScore = "search_score"
    }
}

/// The result of a search at one budget.
public struct SearchOutcome {
    /// Algorithm kind and budget, e.g. `random` / `candidates` = 16.
    public let algorithm: String
    public let budgetName: String
    public let budget: Int
    /// Whether this budget is the algorithm's no-search baseline (set by the algorithm).
    public let noSearch: Bool
    /// Final samples `(S, C, H, W)` in slot order.
    public let images: Tensor
    /// Their data predictions at t = 0.6, when the verifier needs them.
    public let early: Tensor?
    public let chosen: [ChosenSample]
    /// Mean over slots of the best score so far after each iteration (random search: after each
    /// candidate of the pool).
    public let trace: [Double]
    public internal(set) var ledger: Ledger
    /// The verifier's score of each final sample (a fresh verifier, not charged to the ledger);
    /// nil for pool-relative verifiers, whose scores only mean something within a pool.
    public internal(set) var finalScores: [Double]?
    /// The search verifier's running state after the last slot (``Verifier/runningState``), for
    /// the next chunk of the task to start from; nil when it keeps none.
    public var verifierState: [Double]?

    public init(algorithm: String, budgetName: String, budget: Int, noSearch: Bool, images: Tensor, early: Tensor?, chosen: [ChosenSample],
                trace: [Double], ledger: Ledger, finalScores: [Double]? = nil, verifierState: [Double]? = nil) {
        self.algorithm = algorithm
        self.budgetName = budgetName
        self.budget = budget
        self.noSearch = noSearch
        self.images = images
        self.early = early
        self.chosen = chosen
        self.trace = trace
        self.ledger = ledger
        self.finalScores = finalScores
        self.verifierState = verifierState
    }

    /// Mean verifier score: of the final samples when available, else of the winners at selection.
    public var meanScore: Double {
        if let finalScores { return mean(finalScores) }
        return mean(chosen.compactMap(\.searchScore))
    }
}

extension Tensor {
    /// Rows (first-axis items) at `indices`, in order.
    public func rows(_ indices: [Int]) -> Tensor {
        let per = count / Swift.max(shape[0], 1)
        var out = [Float]()
        out.reserveCapacity(indices.count * per)
        data.withUnsafeBufferPointer { p in
            for i in indices { out.append(contentsOf: p[(i * per)..<((i + 1) * per)]) }
        }
        return Tensor(out, shape: [indices.count] + Array(shape.dropFirst()))
    }
}
