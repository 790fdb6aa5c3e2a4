import Foundation

/// Paths of the worker fixtures and adapters, from this file's place in the repository.
enum WorkerFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let misbehave = root.appendingPathComponent("Tests/Fixtures/worker/misbehave.py").path
    static let numpySiT = root.appendingPathComponent("adapters/python/numpy_sit.py").path
    static let numpyClassifier = root.appendingPathComponent("adapters/python/numpy_classifier.py").path
    static func model(_ name: String) -> String { root.appendingPathComponent("Models/\(name).safetensors").path }

    /// The command of the misbehaving worker in `mode`.
    static func misbehaving(_ mode: String) -> String { "python3 \(misbehave) \(mode)" }

    /// Whether python3 with NumPy is on this machine (`make test` installs them; elsewhere the
    /// worker tests are skipped with a note).
    static let hasNumPy: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "python3 -c 'import numpy' 2>/dev/null"]
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
}
