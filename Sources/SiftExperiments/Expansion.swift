/// One cell of an expanded experiment: its resolved configuration and the axis values that
/// distinguish it.
public struct ExperimentCell: Sendable {
    public let config: CellConfig
    /// Dotted key → value text, for every grid, zip and sweep axis, in axis order.
    public let axes: [(key: String, value: String)]
    /// Position in expansion order.
    public let index: Int
    public var id: String { config.id }
}

/// Expands an experiment file (plus overrides) into its cells: `grid:` axes multiply, a `zip:`
/// group varies together, sweep overrides add axes (replacing a grid axis of the same key).
public enum ExperimentExpansion {
    public static func cells(file: String, text: String, overrides: [String]) throws -> [ExperimentCell] {
        var tree = try ConfigTree.parse(yaml: text, file: file)
        guard tree.entries != nil else { throw ConfigError(tree.origin, "an experiment file must be a mapping of keys") }
        let parsed = try overrides.map(Override.parse)
        // Axes: (keys, values per position) — a grid axis has one key, a zip group several.
        var axes = [(keys: [[String]], rows: [[ConfigTree]], origin: ConfigOrigin)]()
        if let grid = tree.value(at: ["grid"]) {
            guard let entries = grid.entries else { throw ConfigError(grid.origin, "'grid' must map dotted keys to lists of values") }
            for (key, value) in entries {
                guard case .list(let items, _) = value, !items.isEmpty else {
                    throw ConfigError(value.origin, "'grid.\(key)' must be a non-empty list of values")
                }
                axes.append(([dotted(key)], items.map { [$0] }, value.origin))
            }
        }
        if let zip = tree.value(at: ["zip"]) {
            guard let entries = zip.entries, !entries.isEmpty else { throw ConfigError(zip.origin, "'zip' must map dotted keys to lists of equal length") }
            var lists = [[ConfigTree]]()
            for (key, value) in entries {
                guard case .list(let items, _) = value, !items.isEmpty else {
                    throw ConfigError(value.origin, "'zip.\(key)' must be a non-empty list of values")
                }
                if let first = lists.first, first.count != items.count {
                    throw ConfigError(value.origin, "'zip.\(key)' has \(items.count) values but 'zip.\(entries[0].key)' has \(first.count); zipped lists must have equal lengths")
                }
                lists.append(items)
            }
            axes.append((entries.map { dotted($0.key) }, (0..<lists[0].count).map { i in lists.map { $0[i] } }, zip.origin))
        }
        // A key may vary along one axis only.
        var seen = Set<[String]>()
        for axis in axes {
            for key in axis.keys where !seen.insert(key).inserted {
                throw ConfigError(axis.origin, "'\(key.joined(separator: "."))' appears in more than one of grid and zip; a key can vary along one axis only")
            }
        }
        try addReplicates(&tree, axes: &axes)
        tree = tree.removing(["grid", "zip", "replicates"])
        for o in parsed {
            if let zipped = axes.first(where: { $0.keys.count > 1 && $0.keys.contains(o.path) }) {
                throw ConfigError(o.values[0].origin, "'\(o.path.joined(separator: "."))' is part of the zip group at \(zipped.origin); change the zip lists instead")
            }
            if o.isSweep {
                axes.removeAll { $0.keys == [o.path] }
                axes.append(([o.path], o.values.map { [$0] }, o.values[0].origin))
            } else {
                axes.removeAll { $0.keys == [o.path] }
                tree = tree.setting(o.path, to: o.values[0])
            }
        }
        // The cartesian product, first axis slowest.
        var combinations: [[Int]] = [[]]
        for axis in axes { combinations = combinations.flatMap { c in (0..<axis.rows.count).map { c + [$0] } } }
        return try combinations.enumerated().map { index, combination in
            var cell = tree
            var labels = [(key: String, value: String)]()
            for (a, row) in combination.enumerated() {
                for (k, key) in axes[a].keys.enumerated() {
                    let value = axes[a].rows[row][k]
                    cell = cell.setting(key, to: value)
                    labels.append((key.joined(separator: "."), value.label))
                }
            }
            return ExperimentCell(config: try CellConfig(tree: cell), axes: labels, index: index)
        }
    }

    static func dotted(_ key: String) -> [String] { key.split(separator: ".").map(String.init) }

    /// `replicates: K` adds a `seed` axis of K seeds from `seed` (default 0): every cell is run K
    /// times with other noises, and the summary and report treat the seeds as replicates. The
    /// first seed's cells keep the ids they have without the key.
    static func addReplicates(_ tree: inout ConfigTree, axes: inout [(keys: [[String]], rows: [[ConfigTree]], origin: ConfigOrigin)]) throws {
        guard let value = tree.value(at: ["replicates"]) else { return }
        guard case .scalar(let text, _, let origin) = value, let k = Int(text), k >= 1 else {
            throw ConfigError(value.origin, "'replicates' must be a positive integer (the number of seeds), got \(value.label)")
        }
        if let axis = axes.first(where: { $0.keys.contains(["seed"]) }) {
            throw ConfigError(origin, "'replicates' adds the seed axis, but 'seed' already varies along the axis at \(axis.origin)")
        }
        var base = 0
        if let seed = tree.value(at: ["seed"]) {
            guard case .scalar(let s, _, _) = seed, let b = Int(s), b >= 0 else { throw ConfigError(seed.origin, "'seed' must be a non-negative integer, got \(seed.label)") }
            base = b
        }
        guard k > 1 else { return }
        axes.append(([["seed"]], (0..<k).map { [ConfigTree.scalar("\(base + $0)", quoted: false, origin: origin)] }, origin))
    }
}
