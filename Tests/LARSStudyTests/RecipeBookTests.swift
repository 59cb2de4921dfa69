import Foundation
import Testing
@testable import LARSStudy

/// `recipes.json`: written from a search's choices, read back equal, applied to the cells of a
/// study it covers (the rule for the others), and refused with a clear message when malformed.
struct RecipeBookTests {
    static func file(_ name: String, _ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "recipes-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The book of a search whose choice is SGD x2 at 1 epoch and LARS x0.5 at 2 epochs.
    static var book: RecipeBook {
        let s = SearchTests.settings
        let results = s.searchTrials.map { run in
            let peak = run.optimizer == .sgd ? (run.rateFactor == 2 && run.warmupEpochs == 1) : (run.rateFactor == 0.5 && run.warmupEpochs == 2)
            return SearchTests.result(run, validation: peak ? 0.9 : 0.8, test: 0.85)
        }
        return RecipeBook(search: s, choices: SearchSelection.choices(results, settings: s))
    }

    @Test func theBookRoundTripsThroughItsFile() throws {
        let book = Self.book
        #expect(book.recipes.map { "\($0.optimizer.rawValue) \($0.batch) \(shortNumber($0.learningRate)) \(shortNumber($0.warmupEpochs))" }
            == ["sgd 256 0.2 1", "lars 256 1.191 2"])
        #expect(book.recipes[0].edges == ["highestRate", "shortestWarmup"] && book.recipes[0].seeds == 1)
        let text = try book.jsonText()
        #expect(text.contains("\"learning_rate\" : 0.2") && text.contains("\"warmup_epochs\" : 1"), "\(text)")
        let path = try Self.file("round", text)
        var read = try RecipeBook.read(from: path)
        #expect(read.path == path)
        read.path = nil
        #expect(read == book)
    }

    @Test func aStudyRunsTheCellsTheBookCoversAtTheirSearchedSetting() throws {
        var s = StudySettings(output: "/s")
        s.optimizers = [.sgd, .lars]
        s.batches = [256, 1024]
        s.recipes = try RecipeBook.read(from: try Self.file("study", try Self.book.jsonText()))
        try s.validate()
        let runs = s.runs
        let sgd256 = try #require(runs.first { $0.optimizer == .sgd && $0.batch == 256 })
        #expect(sgd256.learningRate == 0.2 && sgd256.warmupEpochs == 1 && sgd256.source == .recipes)
        #expect(sgd256.directoryName == "sgd-b256-lr0.2-w1-s1")
        let lars256 = try #require(runs.first { $0.optimizer == .lars && $0.batch == 256 })
        #expect(lars256.learningRate == 1.191 && lars256.warmupEpochs == 2)
        let sgd1024 = try #require(runs.first { $0.optimizer == .sgd && $0.batch == 1024 })
        #expect(sgd1024.source == .rule && sgd1024.learningRate == 0.4 && sgd1024.directoryName == "sgd-b1024-lr0.4-s1")
        let arguments = LarsTrainCommand(executable: "lars-train", settings: s).arguments(for: sgd256)
        #expect(arguments.joined(separator: " ").contains("--lr 0.2 --warmup-epochs 1 --batch-size 256"))

        // study.md says which setting each cell ran and where it came from, and claims no search.
        let results = runs.map { run -> RunResult in
            var r = SearchTests.result(run, validation: 0.9, test: 0.9)
            r.selected = true
            return r
        }
        let text = StudyMarkdown.render(results, header: StudyHeader(settings: s, machine: "m"))
        #expect(text.contains("| 256 | sgd | 0.2 | 1 | the search's recipes |"), "\(text)")
        #expect(text.contains("| 1024 | sgd | 0.4 | 1 | the rule (StudyRecipes.swift) |"), "\(text)")
        #expect(text.contains("the rule (StudyRecipes.swift) for 2 cells, the search (--recipes "), "\(text)")
        #expect(text.contains("searched on fashion-mnist, small-cnn, 4 epochs) for 2 cells"), "\(text)")
        #expect(text.contains("no search ran in this study") && !text.contains("rate search chooses"), "\(text)")
    }

    @Test func withoutABookTheStudyKeepsItsRulesAndSaysNoSearchRan() {
        let s = StudySettings(output: "/s")
        #expect(s.runs.allSatisfy { $0.source == .rule && !$0.directoryName.contains("-w") })
        let text = StudyHeader(settings: s, machine: "m").lines.map(\.1).joined(separator: "\n")
        #expect(text.contains("; no search ran") && text.contains("centres from the rule (StudyRecipes.swift) for 10 cells"), "\(text)")
    }

    static let good = """
        {"format": 1, "dataset": "fashion-mnist", "model": "small-cnn", "epochs": 4, "validation": 5000,
         "recipes": [RECIPES]}
        """

    static func withRecipes(_ recipes: String) -> String { good.replacingOccurrences(of: "RECIPES", with: recipes) }

    @Test(arguments: [
        ("{ not json", "not a JSON file"),
        ("[1, 2]", "not a recipes object"),
        ("{\"format\": 1}", "\"dataset\" is missing"),
        (withRecipes("{\"optimizer\": \"adagrad\", \"batch\": 64, \"learning_rate\": 1, \"warmup_epochs\": 1}"), "recipes[0].optimizer: unknown optimizer 'adagrad'"),
        (withRecipes("{\"optimizer\": \"sgd\", \"batch\": \"big\", \"learning_rate\": 1, \"warmup_epochs\": 1}"), "recipes[0].batch is not a whole number"),
        (withRecipes("{\"optimizer\": \"sgd\", \"batch\": 64, \"warmup_epochs\": 1}"), "\"learning_rate\" is missing in recipes[0]"),
        (good.replacingOccurrences(of: "\"format\": 1", with: "\"format\": 7").replacingOccurrences(of: "RECIPES", with: ""), "format 7, this lars-study reads format 1"),
    ])
    func aMalformedFileIsRefusedNamingTheProblem(text: String, message: String) throws {
        let path = try Self.file("bad", text)
        #expect {
            try RecipeBook.read(from: path)
        } throws: { error in
            "\(error)".hasPrefix("--recipes \(path): ") && "\(error)".contains(message)
        }
    }

    @Test func aBookThatCannotSetTheStudysCellsIsRefused() throws {
        func message(_ recipes: String, change: (inout StudySettings) -> Void = { _ in }) throws -> String {
            var s = StudySettings(output: "/s")
            s.recipes = try RecipeBook.read(from: try Self.file("cells", Self.withRecipes(recipes)))
            change(&s)
            do { try s.validate() } catch { return "\(error)" }
            return "accepted"
        }
        let sgd = "{\"optimizer\": \"sgd\", \"batch\": 64, \"learning_rate\": 0.1, \"warmup_epochs\": 2}"
        #expect(try message(sgd) == "accepted")
        #expect(try message(sgd + "," + sgd).contains("two recipes for sgd at batch 64"))
        #expect(try message(sgd.replacingOccurrences(of: "0.1", with: "-1")).contains("sgd at batch 64: learning rate -1 is outside"))
        #expect(try message(sgd) { $0.epochs = 2 }.contains("a warm-up of 2 epochs does not fit this study's 2-epoch runs (at most 1)"))
        #expect(try message(sgd) { $0.rateOverrides = [.sgd: 1] }.contains("--rates and --recipes both set rates"))
        #expect(try message(sgd) { $0.dataset = "mnist" }.contains("searched on fashion-mnist with small-cnn, this study trains small-cnn on mnist"))
        #expect(try message(sgd) { $0.model = "mlp" }.contains("searched on fashion-mnist with small-cnn"))
        #expect(try message(sgd) { $0.extraArguments = ["--warmup-epochs=3"] }.contains("--extra may not hold --warmup-epochs"))
        #expect(throws: StudyError.self) { try RecipeBook.read(from: "/nonexistent/recipes.json") }
    }
}
