/// One cell of an expanded experiment: its resolved configuration and the axis values that
/// distinguish it.
public struct ExperimentCell: Sendable {
    public let config: CellConfig
    /// Dotted key → value text, for every grid, zip and sweep axis, in axis order.
    public let axes: [(key: String, value: String)]
    /// Position in expansion order.
    public let index: Int
    /// Where the cell's `model`, `verifier` and `held_out` values were written (file positions or
    /// overrides), for errors found when their files are loaded.
    public let origins: [String: ConfigOrigin]
    public var id: String { config.id }

    public init(config: CellConfig, axes: [(key: String, value: String)], index: Int, origins: [String: ConfigOrigin] = [:]) {
        self.config = config
        self.axes = axes
        self.index = index
        self.origins = origins
    }
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
            if o.isRemoval {
                if let axis = axes.first(where: { $0.keys.contains(o.path) }) {
                    throw ConfigError(o.origin, "'\(o.path.joined(separator: "."))' varies along the axis at \(axis.origin); a removal takes out a fixed key")
                }
                guard let removed = tree.removing(path: o.path) else {
                    throw ConfigError(o.origin, "the file has no key '\(o.path.joined(separator: "."))' to remove")
                }
                tree = removed
                continue
            }
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
        // The cartesian product, first axis slowest (bounded before it is built).
        var count = 1
        for axis in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.rows.count)
            guard !overflow, product <= maxCells else {
                throw ConfigError(axis.origin, "the grid expands to more than \(maxCells) cells; split the experiment")
            }
            count = product
        }
        var combinations: [[Int]] = [[]]
        for axis in axes { combinations = combinations.flatMap { c in (0..<axis.rows.count).map { c + [$0] } } }
        let cells = try combinations.enumerated().map { index, combination in
            var cell = tree
            var labels = [(key: String, value: String)]()
            for (a, row) in combination.enumerated() {
                for (k, key) in axes[a].keys.enumerated() {
                    let value = axes[a].rows[row][k]
                    cell = cell.setting(key, to: value)
                    labels.append((key.joined(separator: "."), value.label))
                }
            }
            let origins = ["model", "verifier", "held_out"].reduce(into: [String: ConfigOrigin]()) { $0[$1] = cell.value(at: [$1])?.origin }
            return ExperimentCell(config: try CellConfig(tree: cell), axes: labels, index: index, origins: origins)
        }
        try refuseRepeats(cells, axes: axes)
        return cells
    }

    /// Two cells that resolve to one configuration (a value listed twice, or two spellings of one
    /// value) would share one id and lock each other out: refused at the axis that repeats.
    static func refuseRepeats(_ cells: [ExperimentCell], axes: [(keys: [[String]], rows: [[ConfigTree]], origin: ConfigOrigin)]) throws {
        var first = [String: ExperimentCell]()
        for cell in cells {
            guard let earlier = first[cell.id] else { first[cell.id] = cell; continue }
            // The axis listing one value twice, else the first axis on which the two cells differ
            // only in spelling.
            let repeating = axes.first { Set($0.rows.map { $0.map(\.canonical) }).count < $0.rows.count }
            let differing = zip(earlier.axes, cell.axes).first { $0.0.value != $0.1.value }
            let origin = repeating?.origin ?? differing.flatMap { d in axes.first { $0.keys.contains(d.0.key.split(separator: ".").map(String.init)) }?.origin }
                ?? axes.first?.origin ?? ConfigOrigin(file: cell.config.name)
            let what = differing.map { "\($0.0.key) = \($0.0.value) and \($0.1.value) are one value" } ?? "the same axis values"
            throw ConfigError(origin, "cells \(earlier.index) and \(cell.index) resolve to the same configuration (id \(cell.id); \(what)): list each value once")
        }
    }

    /// The most cells one experiment file may expand to.
    public static let maxCells = 100_000

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
