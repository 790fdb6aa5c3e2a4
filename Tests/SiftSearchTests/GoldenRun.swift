import SiftTensor
import SiftUtilities
@testable import SiftSearch

/// The calls of the golden tests, in one place so that an API change touches only this file.
enum GoldenRun {
    static func random(candidates: [Int], task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        try SearchEngine.run(try RandomSearch(candidates: candidates), task: task, context: context)
    }

    static func zeroOrder(neighbours: Int, iterations: [Int], tau: Double, restart: Bool, task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        try SearchEngine.run(try ZeroOrderSearch(neighbours: neighbours, iterations: iterations, tau: tau, restart: restart),
                             task: task, context: context)
    }

    static func paths(paths: Int, widths: [Int], sigma: Double, forward: Double, backward: Double, length: Int,
                      task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        try SearchEngine.run(try PathSearch(paths: paths, widths: widths, sigma: sigma, forward: forward, backward: backward, length: length),
                             task: task, context: context)
    }

    static func hash(_ text: String) -> String { FNV1a.hex(text.utf8) }
}
