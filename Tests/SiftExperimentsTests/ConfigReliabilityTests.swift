import Foundation
import Testing
@testable import SiftExperiments

/// Bad input found when the file is read: numbers out of their type or range, folder names that
/// leave `--results`, alias bombs, repeated grid values, removals, ensemble member positions.
@Suite struct ConfigReliabilityTests {
    func message(_ yaml: String, _ overrides: [String] = []) -> String {
        do { _ = try expand(yaml, overrides); return "no error" } catch { return "\(error)" }
    }

    @Test func guidanceMustBeAFiniteScaleInRange() {
        for value in ["1e39", "-1e300", "1e300", "101", "-0.5"] {
            #expect(message(baseYAML, ["sampler.guidance=\(value)"]).hasPrefix("override 'sampler.guidance=\(value)': 'sampler.guidance': a guidance scale must be a finite number in [0, 100]"),
                    "\(value)")
        }
        #expect(message(baseYAML, ["sampler.guidance=nan"]) == "override 'sampler.guidance=nan': 'sampler.guidance' must be a number, got 'nan'")
        #expect(message(baseYAML + "\n", ["sampler.guidance=inf"]).contains("must be a number, got 'inf'"))
        #expect(message(baseYAML.replacingOccurrences(of: "  final_steps: 6", with: "  final_steps: 6\n  guidance: 1e39")).hasPrefix("exp.yaml:7:13: 'sampler.guidance'"))
        #expect(message(baseYAML, ["sampler.guidance=1.5"]) == "no error")
    }

    @Test func nameIsAPlainFolderName() {
        for bad in ["../../escaped", "..", ".", ".hidden", "a/b", "a\\\\b", "sp ace"] {
            #expect(message(baseYAML, ["name='\(bad)'"]).contains("'name': must be a plain folder name"), "\(bad)")
        }
        #expect(message(baseYAML.replacingOccurrences(of: "name: demo", with: "name: ../up")).hasPrefix("exp.yaml:1:7: 'name': must be a plain folder name"))
        #expect(message(baseYAML, ["name=fig1-search_v2.1"]) == "no error")
    }

    /// Nine levels of nested aliases would expand to 10⁹ values: refused from the parsed document
    /// (where aliases share their anchor's node) before anything is expanded.
    @Test func aliasBombIsRefusedBeforeExpanding() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let start = Date()
        #expect(message(yaml).contains("expands to more than 100000 values (through YAML aliases)"))
        #expect(Date().timeIntervalSince(start) < 5)
        // A modest alias is fine.
        #expect(message("base: &s {search_steps: 4, final_steps: 6}\n" + baseYAML.replacingOccurrences(of: "sampler:\n  search_steps: 4\n  final_steps: 6", with: "sampler: *s"))
                .contains("unknown key 'base'"))
    }

    @Test func repeatedGridValuesAreRefused() {
        #expect(message(baseYAML + "\ngrid:\n  algorithm.candidates: [1, 1]\n").hasPrefix("exp.yaml:15:25: cells 0 and 1 resolve to the same configuration"))
        // Two spellings of one value.
        #expect(message(baseYAML + "\ngrid:\n  sampler.guidance: [1.5, 1.50]\n").contains("resolve to the same configuration"))
        #expect(message(baseYAML, ["algorithm.candidates=2,4,2"]).hasPrefix("override 'algorithm.candidates=2,4,2': cells 0 and 2 resolve to the same configuration"))
        #expect(message(baseYAML + "\ngrid:\n  algorithm.candidates: [1, 2]\n") == "no error")
    }

    @Test func emptyRequiredValuesAndHugeGridsAreRefusedAtTheirPosition() {
        #expect(message(baseYAML, ["model="]) == "override 'model=': 'model' must not be empty")
        let values = "[" + (1...400).map(String.init).joined(separator: ", ") + "]"
        #expect(message(baseYAML + "\ngrid:\n  seed: \(values)\n  sampler.final_steps: \(values)\n").hasSuffix("the grid expands to more than 100000 cells; split the experiment"))
    }

    @Test func tildeRemovesAKey() throws {
        let cells = try expand(baseYAML, ["algorithm.kind=zero-order", "~algorithm.candidates", "algorithm.iterations=1,2"])
        #expect(cells.map(\.config.algorithm.kind) == ["zero-order", "zero-order"])
        #expect(message(baseYAML, ["algorithm.kind=zero-order"]).contains("unknown key 'algorithm.candidates'"))
        #expect(message(baseYAML, ["~sampler.nope"]) == "override '~sampler.nope': the file has no key 'sampler.nope' to remove")
        #expect(message(baseYAML, ["~seed=1"]) == "override '~seed=1': '~key' removes a key and takes no value")
        #expect(message(baseYAML + "\ngrid:\n  seed: [1, 2]\n", ["~seed"]).contains("varies along the axis"))
    }

    @Test func misspelledEnsembleMemberIsReportedAtTheMember() {
        let yaml = baseYAML.replacingOccurrences(of: "verifier: clf-mlp", with: "verifier:\n  ensemble: mean-rank\n  members: [clf-vit, clf-mpl]")
        #expect(message(yaml).hasPrefix("exp.yaml:12:22: 'verifier.members': unknown verifier 'clf-mpl'"), "\(message(yaml))")
    }

    /// Paths search with a tiny step would run unboundedly many rounds: refused at the value.
    @Test func pathsRoundsAreBounded() {
        let paths = baseYAML.replacingOccurrences(of: "  kind: random\n  candidates: 2", with: "  kind: paths")
        #expect(message(paths, ["algorithm.forward=1e-30", "algorithm.backward=2e-30"])
                .hasPrefix("override 'algorithm.backward=2e-30': 'algorithm.backward' must be a step with Δb − Δf ≥ σ/1000"))
        #expect(message(paths, ["algorithm.forward=0.1", "algorithm.backward=0.1005"]) == "no error")
        #expect(message(paths, ["algorithm.forward=0.1", "algorithm.backward=0.1004"]) != "no error")
    }
}
