import Yams

/// Where a value came from: a file position, or an override on the command line.
public struct ConfigOrigin: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?
    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String {
        guard let line else { return file }
        return "\(file):\(line):\(column ?? 0)"
    }
}

/// An experiment configuration as an ordered tree of YAML values, each remembering its origin,
/// so that grid expansion and overrides can rewrite it before it is read into typed settings.
public indirect enum ConfigTree: Sendable, Equatable {
    case scalar(String, quoted: Bool, origin: ConfigOrigin)
    case list([ConfigTree], origin: ConfigOrigin)
    case map([(key: String, value: ConfigTree)], origin: ConfigOrigin)

    public static func == (a: ConfigTree, b: ConfigTree) -> Bool { a.canonical == b.canonical }

    public var origin: ConfigOrigin {
        switch self {
        case .scalar(_, _, let o), .list(_, let o), .map(_, let o): return o
        }
    }

    /// Builds the tree of a YAML node (`file` names it in errors).
    public init(node: Node, file: String) throws {
        let origin = ConfigOrigin(file: file, line: node.mark?.line, column: node.mark?.column)
        switch node {
        case .scalar(let s):
            self = .scalar(s.string, quoted: s.style == .singleQuoted || s.style == .doubleQuoted, origin: origin)
        case .sequence(let seq):
            self = .list(try seq.map { try ConfigTree(node: $0, file: file) }, origin: origin)
        case .mapping(let map):
            var entries = [(key: String, value: ConfigTree)]()
            for (k, v) in map {
                guard let key = k.string else { throw ConfigError(origin, "keys must be plain names") }
                if entries.contains(where: { $0.key == key }) {
                    throw ConfigError(ConfigOrigin(file: file, line: k.mark?.line, column: k.mark?.column), "key '\(key)' appears twice")
                }
                entries.append((key, try ConfigTree(node: v, file: file)))
            }
            self = .map(entries, origin: origin)
        default:
            throw ConfigError(origin, "YAML anchors and aliases are not supported in experiment files")
        }
    }

    /// Parses YAML text into a tree.
    public static func parse(yaml text: String, file: String) throws -> ConfigTree {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw ConfigError(ConfigOrigin(file: file), "not valid YAML: \(error)")
        }
        guard let node else { return .map([], origin: ConfigOrigin(file: file)) }
        // Aliases share their anchor's node, so the parsed document is small; counting its values
        // as they would be expanded (stopping at the budget) refuses an alias bomb before expanding.
        var budget = maxValues
        guard countValues(node, budget: &budget) else {
            throw ConfigError(ConfigOrigin(file: file), "the file expands to more than \(maxValues) values (through YAML aliases); experiment files are far smaller")
        }
        return try ConfigTree(node: node, file: file)
    }

    /// The most values (scalars, lists and maps, aliases expanded) an experiment file may hold.
    public static let maxValues = 100_000

    /// Counts `node`'s values into `budget`; false as soon as the budget is spent.
    static func countValues(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .sequence(let seq): return seq.allSatisfy { countValues($0, budget: &budget) }
        case .mapping(let map): return map.allSatisfy { countValues($0.key, budget: &budget) && countValues($0.value, budget: &budget) }
        default: return true
        }
    }

    /// The entries of a map (nil otherwise).
    public var entries: [(key: String, value: ConfigTree)]? {
        if case .map(let e, _) = self { return e }
        return nil
    }

    /// The value at a dotted path (`sampler.guidance`), if present.
    public func value(at path: [String]) -> ConfigTree? {
        guard let first = path.first else { return self }
        guard let entries, let child = entries.first(where: { $0.key == first })?.value else { return nil }
        return child.value(at: Array(path.dropFirst()))
    }

    /// A copy with `value` at the dotted path, creating maps on the way.
    public func setting(_ path: [String], to value: ConfigTree) -> ConfigTree {
        guard let first = path.first else { return value }
        var entries = self.entries ?? []
        let origin = self.origin
        if let i = entries.firstIndex(where: { $0.key == first }) {
            entries[i].value = entries[i].value.setting(Array(path.dropFirst()), to: value)
        } else {
            entries.append((first, ConfigTree.map([], origin: value.origin).setting(Array(path.dropFirst()), to: value)))
        }
        return .map(entries, origin: origin)
    }

    /// A copy without the value at the dotted path; nil when there is none.
    public func removing(path: [String]) -> ConfigTree? {
        guard let first = path.first, var entries, let i = entries.firstIndex(where: { $0.key == first }) else { return nil }
        if path.count == 1 {
            entries.remove(at: i)
        } else {
            guard let inner = entries[i].value.removing(path: Array(path.dropFirst())) else { return nil }
            entries[i].value = inner
        }
        return .map(entries, origin: origin)
    }

    /// A copy without the top-level keys in `keys`.
    public func removing(_ keys: Set<String>) -> ConfigTree {
        guard let entries else { return self }
        return .map(entries.filter { !keys.contains($0.key) }, origin: origin)
    }

    /// A canonical text (sorted keys, normalised scalars) that identifies the configuration:
    /// key order and formatting never change it, any value change does.
    public var canonical: String {
        switch self {
        case .scalar(let s, let quoted, _): return ConfigTree.canonicalScalar(s, quoted: quoted)
        case .list(let items, _): return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .map(let entries, _):
            return "{" + entries.sorted { $0.key < $1.key }.map { "\(ConfigTree.quote($0.key)):\($0.value.canonical)" }.joined(separator: ",") + "}"
        }
    }

    /// Numbers in one spelling (1.0 = 1 = 1e0), booleans and null in YAML's, strings quoted.
    static func canonicalScalar(_ s: String, quoted: Bool) -> String {
        if !quoted {
            if let i = Int(s) { return String(i) }
            if let d = Double(s), d.isFinite { return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)" }
            switch s.lowercased() {
            case "true", "yes", "on": return "true"
            case "false", "no", "off": return "false"
            case "null", "~", "": return "null"
            default: break
            }
        }
        return quote(s)
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// YAML text of the tree (block style), for `config.yaml`.
    public func yaml(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .scalar(let s, let quoted, _): return quoted || s.isEmpty || s.contains(": ") || s.hasPrefix("#") ? ConfigTree.quote(s) : s
        case .list: return flow
        case .map(let entries, _):
            return entries.map { key, value -> String in
                switch value {
                case .map(let inner, _) where !inner.isEmpty: return "\n\(pad)\(key):" + value.yaml(indent: indent + 1)
                default: return "\n\(pad)\(key): " + value.yaml(indent: indent + 1).trimmingPrefixNewline()
                }
            }.joined()
        }
    }
}

extension ConfigTree {
    /// One-line flow style (valid YAML): `[a, {k: v}]`.
    public var flow: String {
        switch self {
        case .scalar: return yaml()
        case .list(let items, _): return "[" + items.map(\.flow).joined(separator: ", ") + "]"
        case .map(let entries, _): return "{" + entries.map { "\($0.key): \($0.value.flow)" }.joined(separator: ", ") + "}"
        }
    }

    /// A value as a label (axis values in summaries and tables): a scalar's own text, unquoted;
    /// lists and maps in flow style.
    public var label: String {
        if case .scalar(let s, _, _) = self { return s }
        return flow
    }
}

extension String {
    func trimmingPrefixNewline() -> String { hasPrefix("\n") ? String(dropFirst()).trimmingCharacters(in: .whitespaces) : self }
}

/// A configuration that cannot be used, with where and why.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let origin: ConfigOrigin
    public let message: String
    public init(_ origin: ConfigOrigin, _ message: String) {
        self.origin = origin
        self.message = message
    }
    public var description: String { "\(origin): \(message)" }
}
