import Foundation
import Yams

/// `Analysis/figures.yaml`: the declared figures, each a report of one experiment's results
/// (with an optional dashed baseline experiment), rebuilt by `sift report --figures FILE`.
public struct FigureSpec: Codable, Equatable, Sendable {
    /// Output folder name under the figures file's folder (`Analysis/<name>/`).
    public var name: String
    /// The experiment's results folder (relative to the working directory).
    public var results: String
    public var baseline: String?
    public var baselineName: String?
    public var x: String?
    public var y: [String]?
    public var series: String?
    public var title: String?

    enum CodingKeys: String, CodingKey {
        case name, results, baseline, x, y, series, title
        case baselineName = "baseline_name"
    }

    /// Reads `figures:` from a YAML file, naming the file and entry on errors.
    public static func load(_ path: String) throws -> [FigureSpec] {
        struct File: Codable { var figures: [FigureSpec] }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ReportError("\(path): cannot read (\(error.localizedDescription))")
        }
        do { return try YAMLDecoder().decode(File.self, from: text).figures } catch {
            throw ReportError("\(path): not a figures file (a 'figures:' list of {name, results, baseline?, baseline_name?, x?, y?, series?, title?}): \(error)")
        }
    }

    /// Builds this figure into `<root>/<name>/`.
    @discardableResult
    public func build(root: URL) throws -> [URL] {
        var options = Report.Options()
        if let x { options.x = x }
        if let y { options.y = y }
        options.series = series
        options.baseline = baseline.map { URL(fileURLWithPath: $0) }
        if let baselineName { options.baselineName = baselineName }
        options.title = title
        return try Report.build(results: URL(fileURLWithPath: results), out: root.appendingPathComponent(name), options: options)
    }
}
