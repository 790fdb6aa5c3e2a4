import Foundation
import SiftSearch

/// The `algorithm.*` rows of the key table in `Experiments/README.md`, generated from the
/// registry (a test checks the README holds exactly these rows, so the two cannot drift).
public enum AlgorithmDocs {
    /// One Markdown row per key: `algorithm.kind`, then each algorithm's keys in registry order.
    public static var markdownRows: [String] {
        let kinds = AlgorithmRegistry.kinds.map { "`\($0)`" }
        var rows = ["| `algorithm.kind` | `\(AlgorithmRegistry.defaultKind)` | \(kinds.dropLast().joined(separator: ", ")) or \(kinds.last!): \(AlgorithmRegistry.algorithms.map { "`\($0.kind)`, \($0.summary)" }.joined(separator: "; ")) |"]
        for kind in AlgorithmRegistry.kinds {
            let defaults = AlgorithmConfig.defaults(kind: kind)!
            let values = defaults.canonicalObject
            let meanings = Dictionary(uniqueKeysWithValues: type(of: defaults.parameters).documentation.map { ($0.key, $0.meaning) })
            for key in defaults.keys {
                rows.append("| `algorithm.\(key)` | `\(AlgorithmConfig.text(of: values[key]!))` | \(kind): \(meanings[key]!) |")
            }
        }
        return rows
    }
}
