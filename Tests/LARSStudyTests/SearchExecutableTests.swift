import Foundation
import Testing
import LARSStudy

/// The shipped `lars-study --search` on a tiny grid of the real Fashion-MNIST (64 training
/// images, debug builds: the accuracies mean nothing, the bookkeeping is what is checked), and a
/// study run from the recipes it wrote.
@Suite(.serialized) struct SearchExecutableTests {
    /// The rows of the CSV file at `path` as dictionaries by column name (no quoted fields).
    static func rows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func aTinySearchChoosesOnValidationRerunsItsChoicesAndAStudyRunsThem() throws {
        try StudyExecutableTests.requireData()
        let output = StudyExecutableTests.studyDirectory("search")
        let grid = StudyExecutableTests.tiny + [
            "--search", "--lr-search", "2", "--warmup-search", "2", "--widen", "0", "--optimizers", "sgd,lars", "--batches", "16",
            "--output", output,
        ]
        let (status, text) = try StudyExecutableTests.study(grid)
        #expect(status == 0, "\(text)")
        #expect(text.contains("trial 8/8: lars b16 lr 1.89 warm-up 1 seed 1 (x2 of the rule)"), "\(text)")
        let rows = try Self.rows(output + "/search.csv")
        let trials = rows.filter { $0["role"] == "trial" }
        #expect(trials.filter { $0["optimizer"] == "sgd" }.count == 4 && trials.filter { $0["optimizer"] == "lars" }.count == 4)
        #expect(Set(trials.map { $0["warmup_epochs"]! }) == ["0.5", "1"] && trials.allSatisfy { $0["seed"] == "1" })

        // Each recipe is its cell's best finished trial by validation accuracy, rerun at seed 2.
        let book = try RecipeBook.read(from: output + "/recipes.json")
        #expect(!book.recipes.isEmpty && book.epochs == 2 && book.trainLimit == 64)
        for recipe in book.recipes {
            let cell = trials.filter { $0["optimizer"] == recipe.optimizer.rawValue && $0["state"] == "finished" }
            let best = cell.compactMap { Double($0["validation_accuracy"]!) }.max()
            let chosen = try #require(cell.first { $0["chosen"] == "true" }, "\(rows)")
            #expect(Double(chosen["validation_accuracy"]!) == best)
            #expect(chosen["learning_rate"] == shortNumber(recipe.learningRate) && chosen["warmup_epochs"] == shortNumber(recipe.warmupEpochs))
            let rerun = rows.filter { $0["role"] == "rerun" && $0["optimizer"] == recipe.optimizer.rawValue }
            #expect(rerun.map { $0["seed"] } == ["2"] && rerun[0]["learning_rate"] == chosen["learning_rate"], "\(rows)")
            #expect(rerun[0]["warmup_epochs"] == chosen["warmup_epochs"] && rerun[0]["chosen"] == "true")
        }
        #expect(rows.filter { $0["role"] == "rerun" }.count == book.recipes.count)
        let markdown = try String(contentsOfFile: output + "/search.md", encoding: .utf8)
        #expect(markdown.contains("budget: every optimizer: 4 trials (1 batch x 2 rates x 2 warm-ups, first seed) + 1 rerun"), "\(markdown)")
        #expect(markdown.contains("### lars, batch 16") && markdown.contains("| rate \\ warm-up | 0.5 | 1 |"), "\(markdown)")

        // Again: every trial and rerun is skipped.
        let again = try StudyExecutableTests.study(grid)
        #expect(again.status == 0 && again.output.components(separatedBy: ": skipped (").count - 1 == 8 + book.recipes.count, "\(again.output)")

        // A study from the recipes: the covered cell runs the searched setting and says so.
        let recipe = book.recipes[0]
        let studyOutput = StudyExecutableTests.studyDirectory("from-recipes")
        let study = try StudyExecutableTests.study(StudyExecutableTests.tiny + [
            "--recipes", output + "/recipes.json", "--seeds", "1", "--optimizers", recipe.optimizer.rawValue, "--batches", "16", "--output", studyOutput,
        ])
        #expect(study.status == 0, "\(study.output)")
        let lr = shortNumber(recipe.learningRate), warmup = shortNumber(recipe.warmupEpochs)
        #expect(study.output.contains("--lr \(lr) --warmup-epochs \(warmup) --batch-size 16") || study.output.contains("lr \(lr) warm-up \(warmup) seed 1"), "\(study.output)")
        let row = try #require(try Self.rows(studyOutput + "/study.csv").first)
        #expect(row["learning_rate"] == lr && row["warmup_epochs"] == warmup, "\(row)")
        let studyMarkdown = try String(contentsOfFile: studyOutput + "/study.md", encoding: .utf8)
        #expect(studyMarkdown.contains("| 16 | \(recipe.optimizer.rawValue) | \(lr) | \(warmup) | the search's recipes |"), "\(studyMarkdown)")
        #expect(studyMarkdown.contains("no search ran in this study"), "\(studyMarkdown)")
    }

    /// Two rates put every choice on an edge, so `--widen 1` adds exactly one rate past it.
    @Test func aSearchWidensPastAnEdgeChoiceOnce() throws {
        try StudyExecutableTests.requireData()
        let output = StudyExecutableTests.studyDirectory("widen")
        let (status, text) = try StudyExecutableTests.study(StudyExecutableTests.tiny + [
            "--search", "--lr-search", "2", "--warmup-search", "1", "--widen", "1", "--optimizers", "lars", "--batches", "16",
            "--output", output,
        ])
        #expect(status == 0 && text.contains("widening: 1 trial past the edge choices"), "\(text)")
        let trials = try Self.rows(output + "/search.csv").filter { $0["role"] == "trial" }
        // The grid's x1 and x2, then x0.5 or x4 past whichever the choice was.
        let factors = trials.map { $0["rate_factor"]! }.sorted()
        #expect(factors == ["0.5", "1", "2"] || factors == ["1", "2", "4"], "\(trials)")
        let markdown = try String(contentsOfFile: output + "/search.md", encoding: .utf8)
        #expect(markdown.contains("- widening trials run: lars 1"), "\(markdown)")
    }
}
