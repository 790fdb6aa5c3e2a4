import Testing
import SiftSearch
@testable import SiftExperiments

let baseYAML = """
name: demo
seed: 3
model: sit-s
sampler:
  search_steps: 4
  final_steps: 6
samples:
  per_class: 2
  classes: [0, 1]
verifier: clf-mlp
algorithm:
  kind: random
  candidates: 2
"""

func expand(_ yaml: String, _ overrides: [String] = []) throws -> [ExperimentCell] {
    try ExperimentExpansion.cells(file: "exp.yaml", text: yaml, overrides: overrides)
}

@Suite struct ExpansionTests {
    /// `algorithm: {kind: K}` alone is a usable file for every kind: the searches over stochastic
    /// trajectories get the SDE sampler when the file names none, and a named ODE solver is refused.
    @Test(arguments: AlgorithmRegistry.kinds) func everyKindAloneIsAUsableFile(kind: String) throws {
        let text = "name: k\nmodel: sit-s\nverifier: clf-vit\nalgorithm: {kind: \(kind)}\n"
        let cells = try ExperimentExpansion.cells(file: "k.yaml", text: text, overrides: [])
        let stochastic = ["smc", "beam", "tree"].contains(kind)
        #expect(cells.count == 1 && cells[0].config.sampler.solver == (stochastic ? .sde : .heun))
        if stochastic {
            #expect(throws: (any Error).self) {
                try ExperimentExpansion.cells(file: "k.yaml", text: text + "sampler: {solver: heun}\n", overrides: [])
            }
        }
    }

    @Test func gridIsACartesianProductFirstAxisSlowest() throws {
        let cells = try expand(baseYAML + "\ngrid:\n  sampler.guidance: [1.0, 2.0]\n  algorithm.candidates: [1, 4, 16]\n")
        #expect(cells.count == 6)
        #expect(cells.map { Double($0.config.sampler.guidance) } == [1, 1, 1, 2, 2, 2])
        #expect(cells.map { $0.config.algorithm.budget } == [1, 4, 16, 1, 4, 16])
        #expect(cells[4].axes.map(\.key) == ["sampler.guidance", "algorithm.candidates"])
        #expect(cells[4].axes.map(\.value) == ["2.0", "4"])
        #expect(Set(cells.map(\.id)).count == 6)
    }

    @Test func zipVariesKeysTogether() throws {
        let cells = try expand(baseYAML + "\nzip:\n  sampler.search_steps: [2, 4, 8]\n  algorithm.candidates: [8, 4, 2]\ngrid:\n  seed: [0, 1]\n")
        #expect(cells.count == 6)
        #expect(cells.prefix(3).map { [$0.config.sampler.searchSteps, $0.config.algorithm.budget] } == [[2, 8], [4, 4], [8, 2]])
    }

    @Test func overridesSetSweepAndReplaceAxes() throws {
        let cells = try expand(baseYAML + "\ngrid:\n  algorithm.candidates: [1, 2]\n",
                               ["sampler.guidance=1.5", "algorithm.candidates=1,4,16", "samples.classes=[3,4]", "description='a, b'"])
        #expect(cells.count == 3)
        #expect(cells.allSatisfy { $0.config.sampler.guidance == 1.5 && $0.config.classes == [3, 4] && $0.config.description == "a, b" })
        #expect(cells.map { $0.config.algorithm.budget } == [1, 4, 16])
    }

    @Test func overrideGrammar() throws {
        let sweep = try Override.parse("a.b=1,2,3")
        #expect(sweep.path == ["a", "b"] && sweep.values.count == 3 && sweep.isSweep)
        let list = try Override.parse("x=[1, 2]")
        #expect(!list.isSweep)
        guard case .list(let items, _) = list.values[0] else { Issue.record("not a list"); return }
        #expect(items.count == 2)
        let quoted = try Override.parse("name=\"x,y\"")
        #expect(!quoted.isSweep && quoted.values[0].canonical == "\"x,y\"")
        #expect(try Override.parse("verifier=mean-rank(clf-vit,clf-mlp),clf-vit").values.count == 2)
        let sweepOfLists = try Override.parse("c=[1,2],[3]")
        #expect(sweepOfLists.values.count == 2)
        #expect(throws: ConfigError.self) { try Override.parse("novalue") }
        #expect(throws: ConfigError.self) { try Override.parse("x=[1,2") }
        #expect(throws: ConfigError.self) { try Override.parse("x='open") }
        // Type inference happens when the cell is read: numbers, booleans, strings.
        let cells = try expand(baseYAML.replacingOccurrences(of: "  candidates: 2", with: ""), ["algorithm.kind=zero-order", "algorithm.restart=yes", "algorithm.tau=1"])
        let parameters = try #require(cells[0].config.algorithm.parameters as? ZeroOrderSearch.Parameters)
        #expect(parameters.tau == 1 && parameters.restart)
    }

    @Test func cellIdIgnoresOrderFormattingAndDefaults() throws {
        let a = try expand(baseYAML)[0].id
        let reordered = """
        algorithm: {candidates: 2, kind: random}
        verifier: "clf-mlp"
        samples: {classes: [0, 1], per_class: 2.0}
        sampler: {final_steps: 6, search_steps: 4, guidance: 1, solver: heun}
        model: sit-s
        seed: 3
        name: another-name
        metrics: [recall, precision, kid, is, fid, class_fid]
        """
        #expect(try expand(reordered)[0].id == a)
        #expect(try expand(baseYAML, ["sampler.guidance=1.0"])[0].id == a)
        for change in ["seed=4", "sampler.final_steps=7", "sampler.guidance=1.5", "samples.classes=[1,0]", "verifier=clf-vit", "model=sit-b",
                       "algorithm.candidates=3", "metrics=[fid]", "sampler.solver=euler"] {
            #expect(try expand(baseYAML, [change])[0].id != a, "\(change)")
        }
    }
}

@Suite struct ExperimentFileErrors {
    func message(_ yaml: String, _ overrides: [String] = []) -> String {
        do { _ = try expand(yaml, overrides); return "no error" } catch { return "\(error)" }
    }

    @Test func unknownKeyNamesLineColumnAndChoices() {
        let m = message(baseYAML.replacingOccurrences(of: "  final_steps: 6", with: "  final_step: 6"))
        #expect(m == "exp.yaml:6:15: unknown key 'sampler.final_step'; valid keys of 'sampler': solver, final_steps, search_steps, guidance")
        #expect(message(baseYAML + "\nsamplr: {}\n").hasPrefix("exp.yaml:14:9: unknown key 'samplr'; valid keys: name, description"))
    }

    @Test func wrongTypesAndValues() {
        #expect(message(baseYAML.replacingOccurrences(of: "per_class: 2", with: "per_class: two"))
                == "exp.yaml:8:14: 'samples.per_class' must be an integer, got 'two'")
        #expect(message(baseYAML.replacingOccurrences(of: "kind: random", with: "kind: annealing"))
                == "exp.yaml:12:9: 'algorithm.kind' must be one of random, zero-order, paths, smc, beam, evolution, gradient, tree, got 'annealing'")
        #expect(message(baseYAML.replacingOccurrences(of: "verifier: clf-mlp", with: "verifier: clf-mpl"))
                .hasPrefix("exp.yaml:10:11: unknown verifier 'clf-mpl'; valid choices: fid-oracle, is-oracle, clf-mlp, clf-vit, self-similarity"))
        #expect(message(baseYAML, ["sampler.solver=rk4"]) == "override 'sampler.solver=rk4': 'sampler.solver' must be one of euler, heun, sde, got 'rk4'")
        #expect(message(baseYAML + "\nmetrics: [fid, lpips]\n").hasPrefix("exp.yaml:14:16: unknown metric 'lpips'"))
    }

    /// Algorithm parameters out of range, and settings an algorithm refuses, are reported at the
    /// value they name, from the file or the override.
    @Test func algorithmErrorsPointAtTheValue() {
        let zo = baseYAML.replacingOccurrences(of: "  kind: random\n  candidates: 2", with: "  kind: zero-order\n  tau: 1.5")
        #expect(message(zo) == "exp.yaml:13:8: 'algorithm.tau' must be a cosine in (0, 1], got 1.5")
        #expect(message(zo, ["algorithm.tau=0"]) == "override 'algorithm.tau=0': 'algorithm.tau' must be a cosine in (0, 1], got 0.0")
        #expect(message(zo, ["algorithm.candidates=3"]).hasPrefix("override 'algorithm.candidates=3': unknown key 'algorithm.candidates'; valid keys of 'algorithm': kind, neighbours, iterations, tau, restart"))
        #expect(message(baseYAML, ["algorithm.candidates=0"]) == "override 'algorithm.candidates=0': 'algorithm.candidates' must be a positive integer, got 0")
        let paths = baseYAML.replacingOccurrences(of: "  kind: random\n  candidates: 2", with: "  kind: paths\n  forward: 0.3\n  backward: 0.2")
        #expect(message(paths) == "exp.yaml:14:13: 'algorithm.backward' must be a step Δb larger than Δf = 0.3, got 0.2")
        let sde = baseYAML.replacingOccurrences(of: "  kind: random\n  candidates: 2", with: "  kind: paths").replacingOccurrences(of: "  search_steps: 4", with: "  solver: sde")
        #expect(message(sde) == "exp.yaml:5:11: paths search needs an ODE solver (euler or heun), not sde")
        let restart = baseYAML.replacingOccurrences(of: "  kind: random\n  candidates: 2", with: "  kind: zero-order\n  restart: true")
            .replacingOccurrences(of: "verifier: clf-mlp", with: "verifier: mean-rank(clf-mlp,clf-vit)")
        #expect(message(restart).hasPrefix("exp.yaml:13:12: 'algorithm.restart' compares scores across rounds"))
        #expect(message(restart.replacingOccurrences(of: "mean-rank(clf-mlp,clf-vit)", with: "self-similarity").replacingOccurrences(of: "kind: zero-order", with: "kind: paths")
                    .replacingOccurrences(of: "  restart: true", with: "")).hasPrefix("exp.yaml:10:11: paths search cannot use 'self-similarity'"))
    }

    @Test func axisKeysMustBeUniqueAndCellsBigEnough() {
        #expect(message(baseYAML + "\ngrid:\n  seed: [1, 2]\nzip:\n  seed: [3, 4]\n  sampler.guidance: [1, 2]\n").contains("'seed' appears in more than one of grid and zip"))
        #expect(message(baseYAML + "\nzip:\n  seed: [3, 4]\n  sampler.guidance: [1, 2]\n", ["seed=5"]).contains("'seed' is part of the zip group"))
        #expect(message(baseYAML, ["samples.per_class=1"]).contains("a cell needs at least 4 samples"))
        #expect(message(baseYAML, ["algorithm=[]"]) != "no error")
        #expect(message(baseYAML.replacingOccurrences(of: "  candidates: 2", with: ""), ["algorithm.kind=paths", "sampler.solver=sde"])
                .contains("paths search needs an ODE solver"))
        #expect(message(baseYAML, ["verifier=zscore(clf-vit:-1,clf-mlp:1)"]).contains("non-negative"))
        #expect(message(baseYAML, ["verifier=mean-rank(clf-vit:2,clf-mlp:1)"]).contains("mean-rank is unweighted"))
    }

    @Test func heldOutVerifiersAreCheckedWithPositions() throws {
        #expect(message(baseYAML + "\nheld_out: [clf-vit, fid-oracle]\n").hasPrefix("exp.yaml:14:21: 'held_out': fid-oracle scores a set"))
        #expect(message(baseYAML + "\nheld_out: [\"mean-rank(clf-vit,clf-mlp)\"]\n").hasPrefix("exp.yaml:14:12: 'held_out': 'mean-rank(clf-vit,clf-mlp)' is an ensemble"))
        #expect(message(baseYAML + "\nheld_out: [clf-vit, clf-vitt]\n").hasPrefix("exp.yaml:14:21: 'held_out': unknown verifier 'clf-vitt'"))
        #expect(message(baseYAML + "\nheld_out: [clf-vit, clf-vit]\n") == "exp.yaml:14:21: 'held_out' lists 'clf-vit' twice")
        #expect(message(baseYAML.replacingOccurrences(of: "  candidates: 2", with: "") + "\nheld_out: [self-similarity]\n", ["algorithm.kind=paths"])
                == "exp.yaml:14:11: paths search cannot report a held-out self-similarity score: its samples have no t = 0.6 prediction of a full generation")
        // Absent or empty: the id is unchanged (earlier results stay finished); set: a new cell.
        let plain = try expand(baseYAML)[0]
        #expect(try expand(baseYAML + "\nheld_out: []\n")[0].id == plain.id)
        let scored = try expand(baseYAML + "\nheld_out: [self-similarity:clf-mlp, clf-vit]\n")[0]
        #expect(scored.id != plain.id)
        #expect(scored.config.heldOut == ["self-similarity:clf-mlp", "clf-vit"])
        #expect(scored.config.yaml.contains(#"held_out: ["self-similarity:clf-mlp", "clf-vit"]"#))
    }

    @Test func unequalZipAndBadGrid() {
        #expect(message(baseYAML + "\nzip:\n  seed: [1, 2]\n  algorithm.candidates: [1, 2, 3]\n")
                == "exp.yaml:16:25: 'zip.algorithm.candidates' has 3 values but 'zip.seed' has 2; zipped lists must have equal lengths")
        #expect(message(baseYAML + "\ngrid:\n  seed: 3\n") == "exp.yaml:15:9: 'grid.seed' must be a non-empty list of values")
        #expect(message("name: [unclosed").hasPrefix("exp.yaml: not valid YAML"))
        #expect(message(baseYAML + "\nseed: 4\n").contains("duplicated key(s): 'seed'"))
    }
}

@Suite struct ReplicateTests {
    @Test func replicatesAddASeedAxisAndKeepTheFirstSeedsIDs() throws {
        let plain = try expand(baseYAML + "\ngrid:\n  algorithm.candidates: [1, 4]\n")
        let replicated = try expand(baseYAML + "\nreplicates: 3\ngrid:\n  algorithm.candidates: [1, 4]\n")
        #expect(replicated.count == 6)
        #expect(replicated.map { $0.config.seed } == [3, 4, 5, 3, 4, 5])   // baseYAML's seed is 3
        #expect(replicated.filter { $0.config.seed == 3 }.map(\.id) == plain.map(\.id))
        #expect(replicated[1].axes.map(\.key) == ["algorithm.candidates", "seed"])
        #expect(try expand(baseYAML + "\nreplicates: 1\n").map(\.id) == (try expand(baseYAML)).map(\.id))
        #expect(message(baseYAML + "\nreplicates: 0\n").contains("'replicates' must be a positive integer"))
        #expect(message(baseYAML + "\nreplicates: 2\ngrid:\n  seed: [1, 2]\n").contains("'seed' already varies"))
    }

    func message(_ yaml: String) -> String {
        do { _ = try expand(yaml); return "no error" } catch { return "\(error)" }
    }
}
