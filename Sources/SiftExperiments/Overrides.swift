/// A command-line override in Hydra's grammar: `key=value` sets a dotted key; `key=a,b,c` makes
/// it a sweep axis; `key=[a,b]` is one list value; quotes ('a,b' or "a,b") keep commas and
/// brackets literal and make the value a string; `~key` removes a key of the file (so that
/// `algorithm.kind=zero-order` can drop random search's `~algorithm.candidates`).
public struct Override: Equatable, Sendable {
    public let path: [String]
    /// One value, or several for a sweep; none for a removal.
    public let values: [ConfigTree]
    /// Where the override came from (its own text), for errors it causes.
    public let origin: ConfigOrigin
    public var isSweep: Bool { values.count > 1 }
    public var isRemoval: Bool { values.isEmpty }

    public static func parse(_ argument: String) throws -> Override {
        let origin = ConfigOrigin(file: "override '\(argument)'")
        if argument.hasPrefix("~") {
            guard !argument.contains("=") else { throw ConfigError(origin, "'~key' removes a key and takes no value") }
            return Override(path: try dottedPath(String(argument.dropFirst()), origin: origin), values: [], origin: origin)
        }
        guard let eq = argument.firstIndex(of: "=") else {
            throw ConfigError(origin, "expected key=value (e.g. sampler.guidance=1.5 or algorithm.candidates=1,4,16) or ~key")
        }
        let path = try dottedPath(String(argument[..<eq]), origin: origin)
        let text = String(argument[argument.index(after: eq)...])
        let parts = try splitTopLevel(text, origin: origin)
        return Override(path: path, values: try parts.map { try value($0, origin: origin) }, origin: origin)
    }

    /// The parts of a dotted key, each a plain name.
    static func dottedPath(_ text: String, origin: ConfigOrigin) throws -> [String] {
        let key = text.trimmingCharacters(in: .whitespaces)
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, path.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } }) else {
            throw ConfigError(origin, "'\(key)' is not a dotted key")
        }
        return path
    }

    /// One value: a `[…]` list, a quoted string or a plain scalar.
    static func value(_ raw: String, origin: ConfigOrigin) throws -> ConfigTree {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("[") {
            guard s.hasSuffix("]") else { throw ConfigError(origin, "unclosed '[' in '\(s)'") }
            let inner = String(s.dropFirst().dropLast())
            if inner.trimmingCharacters(in: .whitespaces).isEmpty { return .list([], origin: origin) }
            return .list(try splitTopLevel(inner, origin: origin).map { try value($0, origin: origin) }, origin: origin)
        }
        if s.count >= 2, let q = s.first, q == "'" || q == "\"", s.last == q {
            return .scalar(String(s.dropFirst().dropLast()), quoted: true, origin: origin)
        }
        return .scalar(s, quoted: false, origin: origin)
    }

    /// Splits on commas outside brackets, braces, parentheses (ensemble specs such as
    /// `mean-rank(clf-vit,clf-mlp)`) and quotes.
    public static func splitTopLevel(_ text: String, origin: ConfigOrigin) throws -> [String] {
        var parts = [String](), current = "", depth = 0
        var quote: Character?
        for ch in text {
            if let q = quote {
                current.append(ch)
                if ch == q { quote = nil }
                continue
            }
            switch ch {
            case "'", "\"": quote = ch; current.append(ch)
            case "[", "{", "(": depth += 1; current.append(ch)
            case "]", "}", ")":
                depth -= 1
                guard depth >= 0 else { throw ConfigError(origin, "unbalanced '\(ch)'") }
                current.append(ch)
            case "," where depth == 0: parts.append(current); current = ""
            default: current.append(ch)
            }
        }
        guard quote == nil else { throw ConfigError(origin, "unclosed quote") }
        guard depth == 0 else { throw ConfigError(origin, "unclosed bracket") }
        parts.append(current)
        return parts
    }
}
