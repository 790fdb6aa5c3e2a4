import Foundation

/// Wall-clock timing helpers for benchmarks.
enum Timing {
    /// Monotonic seconds.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` once to warm up, then repeatedly for at least `seconds` (and 3 runs), and returns
    /// the median seconds per run.
    static func median(seconds: Double, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        let start = now()
        while times.count < 3 || now() - start < seconds {
            let t0 = now()
            body()
            times.append(now() - t0)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Times two bodies in alternation (A, B, A, B, …) for at least `seconds` in all, so that a
    /// noisy neighbour or frequency change affects both alike; returns the median seconds of each.
    static func interleavedMedians(seconds: Double, _ a: () -> Void, _ b: () -> Void) -> (Double, Double) {
        a(); b()
        var ta: [Double] = [], tb: [Double] = []
        let start = now()
        while ta.count < 5 || now() - start < seconds {
            var t0 = now(); a(); ta.append(now() - t0)
            t0 = now(); b(); tb.append(now() - t0)
        }
        ta.sort(); tb.sort()
        return (ta[ta.count / 2], tb[tb.count / 2])
    }
}

/// Fixed-width text tables for benchmark output.
struct TextTable {
    let headers: [String]
    var rows: [[String]] = []
    init(_ headers: [String]) { self.headers = headers }
    mutating func add(_ row: [String]) { rows.append(row) }
    func render() -> String {
        let widths = headers.indices.map { i in max(headers[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(headers), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
                + rows.map(line)).joined(separator: "\n")
    }
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
