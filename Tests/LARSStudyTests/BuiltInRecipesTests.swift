import Foundation
import Testing
@testable import LARSStudy

/// The default study's built-in recipes: a well-formed book of the default grid, applied to the
/// default study only, and never to a study that sets its own rates or runs other runs.
struct BuiltInRecipesTests {
    @Test func theBookCoversEveryCellOfTheDefaultStudy() throws {
        let book = BuiltInRecipes.book
        let s = StudyRecipes.fullDefaults
        #expect(book.isBuiltIn && book.format == RecipeBook.currentFormat)
        #expect(BuiltInRecipes.fits(s))
        for batch in s.batches {
            for optimizer in s.optimizers {
                #expect(book.recipe(optimizer, batch: batch) != nil, "no recipe for \(optimizer.rawValue) at \(batch)")
            }
        }
        var applied = BuiltInRecipes.applied(to: s)
        try applied.validate()
        #expect(applied.runs.allSatisfy { $0.source == .recipes })
        applied.output = "/s"
        #expect(StudyHeader(settings: applied, machine: "m").lines.map(\.1).joined().contains("built-in recipes"))
    }

    /// Every recipe is a point of the search's grid: a power of 2 of the rule's rate and a warm-up
    /// the search tried, each one rerun at a second seed.
    @Test func everyRecipeIsAPointOfTheSearchedGrid() {
        let s = StudyRecipes.fullDefaults
        let warmups = WarmupGrid().lengths(batch: 64, epochs: s.epochs)
        for r in BuiltInRecipes.book.recipes {
            let factor = r.learningRate / StudyRecipes.learningRate(r.optimizer, batch: r.batch)
            let exponent = log2(factor)
            #expect(abs(exponent - exponent.rounded()) < 1e-3, "\(r.optimizer.rawValue) at \(r.batch): factor \(factor)")
            #expect(warmups.contains(r.warmupEpochs), "\(r.optimizer.rawValue) at \(r.batch): warm-up \(r.warmupEpochs)")
            #expect((r.seeds ?? 0) >= 2, "\(r.optimizer.rawValue) at \(r.batch): \(r.seeds ?? 0) seeds")
        }
    }

    @Test(arguments: ["quick", "rates", "warmup", "search", "recipes", "epochs"])
    func aStudyThatSetsItsOwnRunsKeepsTheRules(change: String) throws {
        var s = StudyRecipes.fullDefaults
        switch change {
        case "quick": s = StudyRecipes.quickDefaults
        case "rates": s.rateOverrides = [.sgd: 0.1]
        case "warmup": s.extraArguments = ["--warmup-epochs", "3"]
        case "search": s.mode = .search
        case "recipes": s.recipes = RecipeBookTests.book
        default: s.epochs = 10
        }
        let applied = BuiltInRecipes.applied(to: s)
        #expect(applied == s)
        #expect(applied.recipes?.isBuiltIn != true)
    }

    @Test func theCommandRunsTheRecipesUnlessToldToKeepTheRules() throws {
        let output = StudyExecutableTests.studyDirectory("built-in")
        let recipe = try #require(BuiltInRecipes.book.recipe(.lars, batch: 2048))
        let (status, text) = try StudyExecutableTests.study(["--dry-run", "--output", output])
        #expect(status == 0, "\(text)")
        let name = "lars-b2048-lr\(shortNumber(recipe.learningRate))-w\(shortNumber(recipe.warmupEpochs))-s2"
        #expect(text.contains("--output \(output)/cells/\(name) "), "\(text)")
        let rules = try StudyExecutableTests.study(["--dry-run", "--rules", "--output", output])
        #expect(rules.status == 0 && rules.output.contains("--output \(output)/cells/lars-b2048-lr4.762-s2 "), "\(rules.output)")
        let both = try StudyExecutableTests.study(["--dry-run", "--rules", "--recipes", "/x.json", "--output", output])
        #expect(both.status != 0 && both.output.contains("--rules and --recipes choose different settings"), "\(both.output)")
    }
}
