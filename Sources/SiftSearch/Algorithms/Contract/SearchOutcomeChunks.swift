import SiftTensor

extension SearchOutcome {
    /// The outcome of a whole task from the outcomes of its chunks (consecutive blocks of its
    /// slots, in slot order, all at one budget): final samples, predictions, choices and final
    /// scores concatenated; the trace averaged over slots (each chunk weighted by its slots);
    /// the ledgers summed; the verifier's running state the last chunk's.
    public static func joining(_ parts: [SearchOutcome]) -> SearchOutcome {
        precondition(!parts.isEmpty, "no chunks to join")
        guard parts.count > 1 else { return parts[0] }
        let first = parts[0]
        precondition(parts.allSatisfy { $0.budget == first.budget && $0.trace.count == first.trace.count }, "chunks of different runs")
        let slots = parts.map { Double($0.chosen.count) }, total = slots.reduce(0, +)
        let trace = first.trace.indices.map { i in zip(parts, slots).reduce(0.0) { $0 + $1.0.trace[i] * $1.1 } / total }
        var ledger = Ledger()
        for part in parts { ledger.add(part.ledger) }
        let early = parts.allSatisfy { $0.early != nil } ? Tensor.concat(parts.map { $0.early! }, axis: 0) : nil
        let finalScores = parts.allSatisfy { $0.finalScores != nil } ? parts.flatMap { $0.finalScores! } : nil
        return SearchOutcome(algorithm: first.algorithm, budgetName: first.budgetName, budget: first.budget, noSearch: first.noSearch,
                             images: Tensor.concat(parts.map(\.images), axis: 0), early: early, chosen: parts.flatMap(\.chosen),
                             trace: trace, ledger: ledger, finalScores: finalScores, verifierState: parts.last!.verifierState)
    }
}
