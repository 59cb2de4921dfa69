import Foundation

/// The searched rate and warm-up of every cell of the default study, compiled into lars-study so
/// that `lars-study` with no flags compares every optimizer at the setting a search chose for it
/// on the validation split, not at a rule's.
///
/// The text below is the `recipes.json` that `lars-study --search` wrote; docs/study.md ("The
/// search behind the default study") gives its command, its grid and every trial's result. The
/// book applies only to a study of the data set, model, epochs, validation split and training
/// limit it was searched at (`fits(_:)`); a rate suits the length of run it was searched for.
public enum BuiltInRecipes {
    /// Where the book is kept and described, for `study.md`'s header.
    public static let location = "Sources/LARSStudy/BuiltInRecipes.swift, searched as docs/study.md describes"

    /// The built-in book, decoded once; a malformed text is a programming error the tests catch.
    public static let book: RecipeBook = {
        do {
            var book = try JSONDecoder().decode(RecipeBook.self, from: Data(text.utf8))
            book.isBuiltIn = true
            return book
        } catch {
            fatalError("BuiltInRecipes.text is not a recipes book: \(error)")
        }
    }()

    /// Whether the book was searched for runs like those of `settings`: the same data set, model,
    /// epochs, validation split and training limit.
    public static func fits(_ settings: StudySettings) -> Bool {
        book.dataset == settings.dataset && book.model == settings.model && book.epochs == settings.epochs
            && book.validation == settings.validation && book.trainLimit == settings.trainLimit
    }

    /// `settings` with the built-in book as its recipes when it is an ordinary study that names no
    /// setting of its own (no `--recipes`, `--rates` or `--extra --warmup-epochs`) and the book fits
    /// it; otherwise `settings` unchanged.
    public static func applied(to settings: StudySettings) -> StudySettings {
        guard settings.mode == .study, settings.recipes == nil, settings.rateOverrides.isEmpty, !settings.extraSetsWarmup,
            fits(settings)
        else { return settings }
        var out = settings
        out.recipes = book
        return out
    }

    /// `recipes.json` of the search of 2026-12-08 (docs/study.md), verbatim.
    static let text = #"""
        {
          "budget" : "every optimizer: 45 trials (5 batches x 3 rates x 3 warm-ups, first seed) + 5 reruns of its choices (1 more seed)",
          "dataset" : "fashion-mnist",
          "epochs" : 4,
          "format" : 1,
          "model" : "small-cnn",
          "recipes" : [
            {
              "batch" : 64,
              "edges" : [

              ],
              "learning_rate" : 0.05,
              "optimizer" : "sgd",
              "seeds" : 2,
              "validation_accuracy" : 0.9245,
              "validation_spread" : 0.0018384776310849781,
              "warmup_epochs" : 2
            },
            {
              "batch" : 64,
              "edges" : [

              ],
              "learning_rate" : 3,
              "optimizer" : "lars",
              "seeds" : 2,
              "validation_accuracy" : 0.9258,
              "validation_spread" : 0.0005656854249492542,
              "warmup_epochs" : 1
            },
            {
              "batch" : 256,
              "edges" : [

              ],
              "learning_rate" : 0.2,
              "optimizer" : "sgd",
              "seeds" : 2,
              "validation_accuracy" : 0.9244,
              "validation_spread" : 0.0005656854249491757,
              "warmup_epochs" : 2
            },
            {
              "batch" : 256,
              "edges" : [

              ],
              "learning_rate" : 4.762,
              "optimizer" : "lars",
              "seeds" : 2,
              "validation_accuracy" : 0.9224,
              "validation_spread" : 0.0005656854249491757,
              "warmup_epochs" : 2
            },
            {
              "batch" : 1024,
              "edges" : [

              ],
              "learning_rate" : 0.4,
              "optimizer" : "sgd",
              "seeds" : 2,
              "validation_accuracy" : 0.8955,
              "validation_spread" : 0.00777817459305203,
              "warmup_epochs" : 2
            },
            {
              "batch" : 1024,
              "edges" : [

              ],
              "learning_rate" : 7.56,
              "optimizer" : "lars",
              "seeds" : 2,
              "validation_accuracy" : 0.8766,
              "validation_spread" : 0.05911412690719538,
              "warmup_epochs" : 0.5
            },
            {
              "batch" : 2048,
              "edges" : [

              ],
              "learning_rate" : 0.8,
              "optimizer" : "sgd",
              "seeds" : 2,
              "validation_accuracy" : 0.8095,
              "validation_spread" : 0.03436538956566619,
              "warmup_epochs" : 0.5
            },
            {
              "batch" : 2048,
              "edges" : [

              ],
              "learning_rate" : 9.524,
              "optimizer" : "lars",
              "seeds" : 2,
              "validation_accuracy" : 0.9022,
              "validation_spread" : 0,
              "warmup_epochs" : 1
            },
            {
              "batch" : 4096,
              "edges" : [

              ],
              "learning_rate" : 0.4,
              "optimizer" : "sgd",
              "seeds" : 2,
              "validation_accuracy" : 0.7403,
              "validation_spread" : 0.021354624791833737,
              "warmup_epochs" : 2
            },
            {
              "batch" : 4096,
              "edges" : [

              ],
              "learning_rate" : 12,
              "optimizer" : "lars",
              "seeds" : 2,
              "validation_accuracy" : 0.8696999999999999,
              "validation_spread" : 0.003252691193458153,
              "warmup_epochs" : 2
            }
          ],
          "validation" : 5000
        }
        """#
}
