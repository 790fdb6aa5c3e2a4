import Foundation
import Testing
@testable import SiftExperiments

/// The `sift` command line, run as a process on the tiny model: `sift search` with algorithm
/// parameters in the override grammar, its errors, and `sift run --dry-run`'s listing.
@Suite(.serialized) struct CLITests {
    /// Runs `sift` and returns its exit status, standard output and standard error.
    static func sift(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = TinyExperiment.sift
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static var tiny: String { TinyExperiment.folder.appendingPathComponent("tiny.safetensors").path }
    static let small = ["--per-class", "1", "--classes", "0,3", "--search-steps", "2", "--final-steps", "3"]

    @Test func searchSweepsTheBudgetKeyAndWritesSearchJSON() throws {
        #expect(FileManager.default.isExecutableFile(atPath: TinyExperiment.sift.path), "build the sift executable first")
        let out = TinyExperiment.results("cli-search")
        let r = try Self.sift(["search", "--model", Self.tiny, "--verifier", "clf-mlp", "--algorithm", "zero-order", "neighbours=2", "iterations=1,2",
                               "--out", out.path] + Self.small)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("zero-order neighbours=2 iterations=1,2 tau=0.95 restart=false"))
        let table = r.out.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") || $0.hasPrefix("iterations") }
        #expect(table.count == 3, "\(r.out)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("search.json"))) as! [String: Any]
        let budgets = json["budgets"] as! [[String: Any]]
        #expect(budgets.map { $0["budget"] as? Int } == [1, 2])
        #expect(budgets.allSatisfy { $0["budget_name"] as? String == "iterations" && $0["no_search"] as? Bool == false })
        // Two neighbours per iteration, three Heun calls each, plus the pivot: 2 slots × (1 + 2·i) × 3.
        #expect(budgets.map { ($0["ledger"] as! [String: Any])["search_nfe"] as? Int } == [2 * 3 * 3, 2 * 5 * 3])
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("zero-order-iterations-2.png").path))
    }

    @Test func searchRandomDefaultsAndPathsRun() throws {
        let random = try Self.sift(["search", "--model", Self.tiny, "--verifier", "clf-mlp", "candidates=1,3"] + Self.small)
        #expect(random.status == 0 && random.out.hasPrefix("random candidates=1,3"), "\(random.err)")
        let paths = try Self.sift(["search", "--model", Self.tiny, "--verifier", "clf-mlp", "--algorithm", "paths", "width=1,2", "length=1"] + Self.small)
        #expect(paths.status == 0 && paths.out.contains("paths paths=2 width=1,2"), "\(paths.err)")
    }

    /// Bad parameters are refused before any model is loaded, naming the override and the key.
    @Test(arguments: [
        (["--algorithm", "zero-order", "iterations=1,x"], "override 'iterations=1,x': 'algorithm.iterations' must be an integer, got 'x'"),
        (["--algorithm", "zero-order", "tau=2"], "override 'tau=2': 'algorithm.tau' must be a cosine in (0, 1], got 2.0"),
        (["--algorithm", "zero-order", "neighbours=1,2"], "only the budget key 'iterations' takes a comma list"),
        (["--algorithm", "zero-order", "foo=1"], "unknown key 'algorithm.foo'; valid keys of 'algorithm': kind, neighbours, iterations, tau, restart"),
        (["--algorithm", "paths", "--solver", "sde"], "paths search needs an ODE solver (euler or heun), not sde"),
        (["--algorithm", "annealing"], "unknown algorithm 'annealing'; valid kinds: random, zero-order, paths, smc, beam, evolution, gradient, tree"),
        (["--algorithm", "zero-order", "restart=true", "--verifier", "mean-rank(clf-mlp,is-oracle)"], "'algorithm.restart' compares scores across rounds"),
    ])
    func searchRefusesBadParameters(arguments: [String], message: String) throws {
        var args = ["search", "--model", "no-such-model"] + arguments
        if !arguments.contains("--verifier") { args += ["--verifier", "clf-mlp"] }
        let r = try Self.sift(args)
        #expect(r.status != 0)
        #expect(r.err.contains(message), "\(r.err)")
    }

    /// `sift search --algorithm smc|beam|tree` samples with the SDE solver unless `--solver` names
    /// one: the arguments pass validation (the missing model is the first error), while a named
    /// ODE solver is refused.
    @Test(arguments: ["smc", "beam", "tree"]) func searchPicksTheSDESamplerForTrajectorySearches(kind: String) throws {
        let plain = try Self.sift(["search", "--model", "no-such-model", "--verifier", "clf-mlp", "--algorithm", kind])
        #expect(plain.status != 0 && plain.err.contains("no-such-model") && !plain.err.contains("stochastic sampler"), "\(plain.err)")
        let heun = try Self.sift(["search", "--model", "no-such-model", "--verifier", "clf-mlp", "--algorithm", kind, "--solver", "heun"])
        #expect(heun.status != 0 && heun.err.contains("needs the stochastic sampler"), "\(heun.err)")
    }

    @Test func dryRunListsEveryCellWithItsStatusAndAxes() throws {
        let fresh = try Self.sift(["run", TinyExperiment.file, "--dry-run", "--results", TinyExperiment.results("dry").path])
        #expect(fresh.status == 0, "\(fresh.err)")
        let lines = fresh.out.split(separator: "\n").map(String.init)
        #expect(lines[0].split(separator: " ", omittingEmptySubsequences: true) == ["#", "cell", "status", "verifier", "algorithm.candidates"])
        let cells = try TinyExperiment.cells()
        for cell in cells {
            let row = lines.first { $0.contains(cell.id) }?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(row == ["\(cell.index)", cell.id, "to", "run", cell.config.verifier, "\(cell.config.algorithm.budget)"])
        }
        #expect(lines.last!.hasPrefix("6 of 6 cells selected; results in ") && lines.last!.hasSuffix("/tiny"))
        // After a run every cell shows as finished; a shard selects whole groups of shared work (the
        // six random-search cells share one pool: all in shard 1 of 2, none in shard 2).
        let done = try Self.sift(["run", TinyExperiment.file, "--dry-run", "--results", EndToEndTests.reference.url.path])
        #expect(done.out.split(separator: "\n").filter { $0.contains(" finished") }.count == 6, "\(done.out)")
        let first = try Self.sift(["run", TinyExperiment.file, "--dry-run", "--shard", "1/2", "--results", EndToEndTests.reference.url.path])
        let second = try Self.sift(["run", TinyExperiment.file, "--dry-run", "--shard", "2/2", "--results", EndToEndTests.reference.url.path])
        #expect(first.out.contains("\n6 of 6 cells selected") && second.out.contains("\n0 of 6 cells selected"), "\(first.out)\(second.out)")
    }
}
