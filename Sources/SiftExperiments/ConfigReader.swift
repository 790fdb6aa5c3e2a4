/// Typed reads from a ``ConfigTree`` map, with errors at the value's file, line and column and
/// unknown keys rejected with the valid choices.
struct ConfigReader {
    let tree: ConfigTree
    /// Dotted path of this section, for messages (`sampler`, `algorithm`, …).
    let path: String

    init(_ tree: ConfigTree, path: String = "") throws {
        guard tree.entries != nil else { throw ConfigError(tree.origin, "\(path.isEmpty ? "the file" : "'\(path)'") must be a mapping of keys") }
        self.tree = tree
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Throws at the first key not in `allowed`.
    func onlyKeys(_ allowed: [String]) throws {
        for (key, value) in tree.entries! where !allowed.contains(key) {
            throw ConfigError(value.origin, "unknown key '\(name(key))'; valid keys\(path.isEmpty ? "" : " of '\(path)'"): \(allowed.joined(separator: ", "))")
        }
    }

    func raw(_ key: String) -> ConfigTree? { tree.entries!.first { $0.key == key }?.value }

    func scalar(_ key: String) throws -> (String, ConfigOrigin)? {
        guard let value = raw(key) else { return nil }
        guard case .scalar(let s, _, let origin) = value else { throw ConfigError(value.origin, "'\(name(key))' must be a single value") }
        return (s, origin)
    }

    func string(_ key: String) throws -> String? { try scalar(key)?.0 }

    func string(_ key: String, default value: String) throws -> String { try string(key) ?? value }

    func requiredString(_ key: String) throws -> String {
        guard let (s, origin) = try scalar(key) else { throw ConfigError(tree.origin, "missing key '\(name(key))'") }
        guard !s.isEmpty else { throw ConfigError(origin, "'\(name(key))' must not be empty") }
        return s
    }

    func int(_ key: String, default value: Int, minimum: Int = Int.min) throws -> Int {
        guard let (s, origin) = try scalar(key) else { return value }
        guard let v = Int(s) ?? Double(s).flatMap({ $0 == $0.rounded() ? Int(exactly: $0) : nil }) else {
            throw ConfigError(origin, "'\(name(key))' must be an integer, got '\(s)'")
        }
        guard v >= minimum else { throw ConfigError(origin, "'\(name(key))' must be at least \(minimum), got \(v)") }
        return v
    }

    func double(_ key: String, default value: Double) throws -> Double {
        guard let (s, origin) = try scalar(key) else { return value }
        guard let v = Double(s), v.isFinite else { throw ConfigError(origin, "'\(name(key))' must be a number, got '\(s)'") }
        return v
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let (s, origin) = try scalar(key) else { return value }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigError(origin, "'\(name(key))' must be true or false, got '\(s)'")
        }
    }

    func choice(_ key: String, default value: String, from choices: [String]) throws -> String {
        guard let (s, origin) = try scalar(key) else { return value }
        guard choices.contains(s) else { throw ConfigError(origin, "'\(name(key))' must be one of \(choices.joined(separator: ", ")), got '\(s)'") }
        return s
    }

    /// A list of scalars (a single scalar reads as a one-element list).
    func strings(_ key: String) throws -> [(String, ConfigOrigin)]? {
        guard let value = raw(key) else { return nil }
        switch value {
        case .scalar(let s, _, let o): return [(s, o)]
        case .list(let items, _):
            return try items.map { item in
                guard case .scalar(let s, _, let o) = item else { throw ConfigError(item.origin, "'\(name(key))' must be a list of plain values") }
                return (s, o)
            }
        case .map(_, let o): throw ConfigError(o, "'\(name(key))' must be a list")
        }
    }

    func ints(_ key: String) throws -> [Int]? {
        try strings(key)?.map { s, o in
            guard let v = Int(s) else { throw ConfigError(o, "'\(name(key))' must hold integers, got '\(s)'") }
            return v
        }
    }

    func section(_ key: String) throws -> ConfigReader {
        try ConfigReader(raw(key) ?? .map([], origin: tree.origin), path: name(key))
    }
}
