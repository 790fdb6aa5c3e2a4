import Foundation
import SiftUtilities

/// `Results/<name>/experiment.json`: which experiment file writes into the folder and the cells
/// of its latest expansion. The summary holds those cells only (others are listed as stale), and
/// a second experiment file with the same `name` is refused instead of mixing its cells in.
public struct ExperimentManifest: Codable, Equatable, Sendable {
    /// The experiment file, as a path relative to the working folder when it lies inside it.
    public var source: String
    /// Cell ids of the latest expansion, in expansion order.
    public var cells: [String]

    public init(source: String, cells: [String]) {
        self.source = source
        self.cells = cells
    }

    public static let fileName = "experiment.json"

    /// `path` relative to the working folder when inside it (so a moved checkout keeps matching).
    public static func sourcePath(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path + "/"
        return absolute.hasPrefix(here) ? String(absolute.dropFirst(here.count)) : absolute
    }
}

extension ResultStore {
    /// The folder's manifest; nil for folders written before manifests existed.
    public func manifest() throws -> ExperimentManifest? {
        let url = root.appendingPathComponent(ExperimentManifest.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(ExperimentManifest.self, from: data) else {
            throw StoreError(path: url.path, problem: "is not a valid experiment manifest; delete it to let the next run rewrite it")
        }
        return manifest
    }

    /// Throws when the folder belongs to another experiment file (same `name`, other source).
    public func checkOwner(_ manifest: ExperimentManifest) throws {
        if let existing = try self.manifest(), existing.source != manifest.source {
            throw StoreError(path: root.path, problem: "holds the results of '\(existing.source)'; '\(manifest.source)' has the same name '\(root.lastPathComponent)': give it its own 'name' (or run it with another --results folder)")
        }
    }

    /// Records `manifest` as the folder's latest expansion (after ``checkOwner(_:)``).
    public func claim(_ manifest: ExperimentManifest) throws {
        try checkOwner(manifest)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeRoot(try encoder.encode(manifest), ExperimentManifest.fileName)
    }

    /// Finished cells that are not in the latest expansion (a grid that shrank, an override sweep
    /// since): kept on disk, left out of the summary.
    public func staleCells() throws -> [String] {
        guard let manifest = try manifest() else { return [] }
        let current = Set(manifest.cells)
        return try finishedRecords().map(\.cell).filter { !current.contains($0) }
    }
}
