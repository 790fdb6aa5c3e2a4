import SiftSearch

/// An algorithm's parameters given on the command line in the override grammar
/// (`sift search --algorithm zero-order neighbours=2 iterations=1,2`): `key=value` sets a
/// parameter, and a comma list on the budget key is a sweep of budgets reported by one run.
public enum AlgorithmArguments {
    /// The parameters of `kind` from `arguments`, and the budgets to report (the budget key's
    /// sweep, or the one budget).
    public static func parse(kind: String, _ arguments: [String]) throws -> (config: AlgorithmConfig, budgets: [Int]) {
        guard let defaults = AlgorithmConfig.defaults(kind: kind) else {
            throw ConfigError(ConfigOrigin(file: "--algorithm"), "unknown algorithm '\(kind)'; valid kinds: \(AlgorithmRegistry.kinds.joined(separator: ", "))")
        }
        var entries = [(key: String, value: ConfigTree)]()
        var sweep: Override?
        for argument in arguments {
            let o = try Override.parse(argument)
            let path = o.path.first == "algorithm" ? Array(o.path.dropFirst()) : o.path
            let origin = o.values[0].origin
            guard path.count == 1, path[0] != "kind" else {
                throw ConfigError(origin, "expected a parameter of \(kind): \(defaults.keys.joined(separator: ", "))")
            }
            if o.isSweep {
                guard path[0] == defaults.budgetKey else {
                    throw ConfigError(origin, "only the budget key '\(defaults.budgetKey)' takes a comma list (a sweep of budgets from one run)")
                }
                sweep = o
            }
            entries.removeAll { $0.key == path[0] }
            entries.append((path[0], o.values[0]))
        }
        let tree = ConfigTree.map([("kind", .scalar(kind, quoted: false, origin: ConfigOrigin(file: "--algorithm")))] + entries,
                                  origin: ConfigOrigin(file: "algorithm arguments"))
        let config = try CellConfig.readAlgorithm(try ConfigReader(tree, path: "algorithm"))
        guard let sweep else { return (config, [config.budget]) }
        let budgets = try sweep.values.map { value in
            try CellConfig.readAlgorithm(try ConfigReader(tree.setting([defaults.budgetKey], to: value), path: "algorithm")).budget
        }
        return (config, budgets)
    }
}
