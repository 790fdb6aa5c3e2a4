import Foundation

/// Wall seconds per named stage of a forward pass, summed over calls (`sift bench model
/// --breakdown`). Stages are recorded in first-seen order.
public final class StageProfile {
    public private(set) var order = [String]()
    public private(set) var seconds = [String: Double]()
    public private(set) var calls = 0

    public init() {}

    /// Runs `body`, adding its wall time to `stage`.
    @inline(__always)
    func time(_ stage: String, _ body: () -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if seconds[stage] == nil { order.append(stage) }
        seconds[stage, default: 0] += elapsed
    }

    func endCall() { calls += 1 }

    /// (stage, share of the total, milliseconds per call), in stage order.
    public var rows: [(stage: String, share: Double, millisecondsPerCall: Double)] {
        let total = seconds.values.reduce(0, +)
        return order.map { ($0, total > 0 ? seconds[$0]! / total : 0, seconds[$0]! / Double(max(calls, 1)) * 1e3) }
    }
}
