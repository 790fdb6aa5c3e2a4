import Foundation
import SiftData
import SiftExperiments
import SiftMetrics
import SiftNN
import SiftReport
import SiftUtilities

/// The loaders that read files a user (or a download) hands to Sift, each fed arbitrary bytes:
/// every input must end in a value or a thrown error — never a crash, a hang or a leak.
enum FuzzTarget: String, CaseIterable {
    case safetensors, idx, npy, png, experiment, summary, csv

    /// Runs one input through the target's loader, ignoring the errors it throws.
    func run(_ data: Data) {
        switch self {
        case .safetensors: _ = try? SafetensorsFile.decode(data, source: "fuzz.safetensors")
        case .idx: _ = try? IDXArray.decode(data, source: "fuzz.idx")
        case .npy: _ = try? FeatureFile.decode(data, path: "fuzz.npy")
        case .png: _ = try? PNGImage.decode(data, source: "fuzz.png")
        case .experiment:
            // The experiment text, then up to four overrides, separated by NUL bytes.
            let parts = data.split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            _ = try? ExperimentExpansion.cells(file: "fuzz.yaml", text: parts[0], overrides: Array(parts.dropFirst()))
        case .summary: _ = try? Report.rows(data: data, source: "fuzz/summary.jsonl")
        case .csv: _ = try? CSVTable.parse(data, path: "fuzz.csv")
        }
    }

    /// The target named by `SIFT_FUZZ_TARGET`.
    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["SIFT_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("SIFT_FUZZ_TARGET must be one of \(allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'\n".utf8))
            exit(2)
        }
        return target
    }()
}
