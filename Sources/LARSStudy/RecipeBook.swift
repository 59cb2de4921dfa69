import Foundation
import LARSTraining

/// One cell's searched setting in `recipes.json`.
public struct SearchedRecipe: Codable, Sendable, Equatable {
    /// The optimizer.
    public var optimizer: StudyOptimizer
    /// Images per step.
    public var batch: Int
    /// The chosen peak learning rate.
    public var learningRate: Double
    /// The chosen linear warm-up, epochs.
    public var warmupEpochs: Double
    /// Mean final validation accuracy of the choice over its seeds, in [0, 1] (information only).
    public var validationAccuracy: Double?
    /// Sample standard deviation of that accuracy over the seeds (information only).
    public var validationSpread: Double?
    /// Seeds the choice finished at (information only).
    public var seeds: Int?
    /// The grid edges the choice lies on (`GridEdge` names; information only).
    public var edges: [String]?

    /// A recipe with only the setting.
    public init(optimizer: StudyOptimizer, batch: Int, learningRate: Double, warmupEpochs: Double) {
        self.optimizer = optimizer
        self.batch = batch
        self.learningRate = learningRate
        self.warmupEpochs = warmupEpochs
    }

    enum CodingKeys: String, CodingKey {
        case optimizer, batch, seeds, edges
        case learningRate = "learning_rate", warmupEpochs = "warmup_epochs"
        case validationAccuracy = "validation_accuracy", validationSpread = "validation_spread"
    }

    /// Decodes a recipe, naming an unknown optimizer with the allowed ones.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .optimizer)
        guard let optimizer = StudyOptimizer(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .optimizer, in: c, debugDescription: "unknown optimizer '\(name)' (\(StudyOptimizer.allowedValues))")
        }
        self.optimizer = optimizer
        batch = try c.decode(Int.self, forKey: .batch)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        warmupEpochs = try c.decode(Double.self, forKey: .warmupEpochs)
        validationAccuracy = try c.decodeIfPresent(Double.self, forKey: .validationAccuracy)
        validationSpread = try c.decodeIfPresent(Double.self, forKey: .validationSpread)
        seeds = try c.decodeIfPresent(Int.self, forKey: .seeds)
        edges = try c.decodeIfPresent([String].self, forKey: .edges)
    }
}

/// `recipes.json`: a search's chosen rate and warm-up per (optimizer, batch), and what the
/// search ran on, which `lars-study --recipes` turns into the settings of the cells it covers.
public struct RecipeBook: Codable, Sendable, Equatable {
    /// The version of the file's layout this lars-study writes and reads.
    public static let currentFormat = 1
    /// The file's layout version.
    public var format = RecipeBook.currentFormat
    /// The search's data set.
    public var dataset: String
    /// The search's model.
    public var model: String
    /// The epochs of the search's runs (a rate suits the length it was searched at).
    public var epochs: Int
    /// The search's held-out validation images.
    public var validation: Int
    /// The search's `--train-limit`, or nil.
    public var trainLimit: Int?
    /// The search's budget per optimizer (`SearchBudget.line`).
    public var budget: String?
    /// One entry per cell with a choice.
    public var recipes: [SearchedRecipe]
    /// The file this book was read from (not stored in it).
    public var path: String?
    /// Whether this is the default study's book compiled into lars-study (`BuiltInRecipes`; not stored).
    public var isBuiltIn = false

    enum CodingKeys: String, CodingKey {
        case format, dataset, model, epochs, validation, budget, recipes
        case trainLimit = "train_limit"
    }

    /// The book of `choices` made by a search with `settings` (cells without a choice are left out).
    public init(search settings: StudySettings, choices: [SearchChoice]) {
        dataset = settings.dataset
        model = settings.model
        epochs = settings.epochs
        validation = settings.validation
        trainLimit = settings.trainLimit
        budget = settings.searchBudget.line
        recipes = choices.compactMap { choice in
            guard let chosen = choice.chosen else { return nil }
            var recipe = SearchedRecipe(
                optimizer: choice.optimizer, batch: choice.batch, learningRate: chosen.run.learningRate,
                warmupEpochs: chosen.run.warmupEpochs)
            recipe.validationAccuracy = choice.validation?.mean
            recipe.validationSpread = choice.validation?.standardDeviation
            recipe.seeds = choice.validation?.count
            recipe.edges = choice.edges.map(\.rawValue)
            return recipe
        }
    }

    /// The recipe of `optimizer` at `batch`, or nil when the book does not cover that cell.
    public func recipe(_ optimizer: StudyOptimizer, batch: Int) -> SearchedRecipe? {
        recipes.first { $0.optimizer == optimizer && $0.batch == batch }
    }

    /// Where the book came from, for `study.md`: `--recipes PATH` or the built-in recipes.
    public var origin: String {
        isBuiltIn ? "built-in recipes, \(BuiltInRecipes.location)" : "--recipes \(path ?? "recipes.json")"
    }

    /// `fashion-mnist, small-cnn, 10 epochs`: what the search ran on.
    public var provenance: String { "\(dataset), \(model), \(epochs) epochs" }

    /// The file's text: indented JSON with sorted keys and a final newline.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads and checks the book at `path`, or throws a message naming the file and the problem.
    public static func read(from path: String) throws -> RecipeBook {
        func fail(_ problem: String) -> StudyError { .invalidSettings("--recipes \(path): \(problem)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file (lars-study --search writes recipes.json)")
        }
        var book: RecipeBook
        do {
            book = try JSONDecoder().decode(RecipeBook.self, from: data)
        } catch let error as DecodingError {
            throw fail(describe(error))
        }
        book.path = path
        guard book.format == currentFormat else { throw fail("format \(book.format), this lars-study reads format \(currentFormat)") }
        return book
    }

    /// Throws a readable error when the book cannot set the cells of a study with `settings`.
    public func validate(for settings: StudySettings) throws {
        func fail(_ problem: String) -> StudyError { .invalidSettings("\(origin): \(problem)") }
        if !settings.rateOverrides.isEmpty { throw fail("--rates and --recipes both set rates: give one of them") }
        if dataset != settings.dataset || model != settings.model {
            throw fail("searched on \(dataset) with \(model), this study trains \(settings.model) on \(settings.dataset)")
        }
        if settings.extraSetsWarmup {
            throw fail("--extra may not hold --warmup-epochs: the recipes set each cell's warm-up")
        }
        var seen = Set<String>()
        let rates = StudySettings.minimumLearningRate...TrainingConfiguration.maximumLearningRate
        let longest = WarmupGrid.longestAllowed(epochs: settings.epochs)
        for r in recipes {
            let cell = "\(r.optimizer.rawValue) at batch \(r.batch)"
            guard seen.insert(cell).inserted else { throw fail("two recipes for \(cell)") }
            guard r.batch > 0 else { throw fail("\(cell): the batch must be positive") }
            guard rates.contains(r.learningRate) else {
                throw fail("\(cell): learning rate \(shortNumber(r.learningRate)) is outside [\(shortNumber(rates.lowerBound)), \(shortNumber(rates.upperBound))]")
            }
            guard r.warmupEpochs.isFinite, r.warmupEpochs >= 0, r.warmupEpochs <= longest else {
                throw fail(
                    "\(cell): a warm-up of \(shortNumber(r.warmupEpochs)) epochs does not fit this study's \(settings.epochs)-epoch runs "
                        + "(at most \(shortNumber(longest))); the recipes were searched at \(epochs) epochs: search at --epochs \(settings.epochs)")
            }
        }
    }
}

/// A decoding error as one line: what is wrong and where (`recipes[1].batch`).
func describe(_ error: DecodingError) -> String {
    func place(_ path: [CodingKey]) -> String {
        let text = path.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }
    switch error {
    case .keyNotFound(let key, let context):
        let parent = place(context.codingPath)
        return "\"\(key.stringValue)\" is missing" + (parent.isEmpty ? "" : " in \(parent)")
    case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
        if context.codingPath.isEmpty { return "not a recipes object (lars-study --search writes recipes.json)" }
        return "\(place(context.codingPath)) is not a \(type == Double.self ? "number" : type == Int.self ? "whole number" : "\(type)")"
    case .dataCorrupted(let context):
        if context.codingPath.isEmpty { return "not a JSON file" }
        return "\(place(context.codingPath)): \(context.debugDescription)"
    @unknown default:
        return "unreadable (\(error))"
    }
}
