import Foundation
import LARSTraining

/// Describes a study (or a search) for the headers of its reports.
public struct StudyHeader: Sendable {
    /// The settings the study ran with.
    public var settings: StudySettings
    /// The machine and BLAS, as `lars-train --blas-info` prints it.
    public var machine: String

    /// Creates a header.
    public init(settings: StudySettings, machine: String) {
        self.settings = settings
        self.machine = machine
    }

    /// (key, value) lines: data set, model, epochs, validation, divergence, the cells' settings
    /// (or the search's grid and budget), machine.
    public var lines: [(String, String)] {
        let s = settings
        var data = s.dataset
        if let limit = s.trainLimit { data += ", training capped at \(limit) images" }
        if let limit = s.testLimit { data += ", test capped at \(limit) images" }
        let trained = DatasetFacts(name: s.dataset)?.imagesPerEpoch(validation: s.validation, limit: s.trainLimit)
        if let trained { data += "; \(trained) training images per epoch, \(s.validation) more held out for validation" }
        let targets = s.targets.map { format($0 * 100, 0) + " %" }.joined(separator: " and ")
        return [
            ("data set", data),
            ("model", s.model),
            ("epochs", "\(s.epochs)"),
            ("validation", "\(s.validation) training images held out, evaluated every few steps for steps to \(targets)\(chooser)"),
            ("divergence", DivergencePolicy.description),
        ] + settingLines + [("machine", machine)]
    }

    /// What chooses by the validation accuracy, and whether anything did.
    var chooser: String {
        let s = settings
        switch s.mode {
        case .search: return "; the search chooses each cell's rate and warm-up by their accuracy, never the test set's"
        case .study where s.searchCount > 1: return "; the rate search chooses by their accuracy, never the test set's"
        case .study where s.recipes != nil:
            return "; no search ran in this study (the recipes' settings were chosen on a search's validation split)"
        case .study: return "; no search ran"
        }
    }

    /// The search's grid and budget, or where the study's rates and warm-ups came from.
    var settingLines: [(String, String)] {
        let s = settings
        let factors = StudyRecipes.searchFactors(count: s.searchCount).map(shortNumber).joined(separator: ", ")
        switch s.mode {
        case .search:
            let warmups = s.batches.map { s.warmupGrid.lengths(batch: $0, epochs: s.epochs) }.uniqued()
            let warmupText = warmups.count == 1
                ? warmups[0].map(shortNumber).joined(separator: ", ") + " epochs"
                : "the rule's per batch (" + zip(s.batches, warmups).map { "\($0.0): \(shortNumber($0.1[0]))" }.joined(separator: ", ") + ")"
            return [
                ("search grid", "learning rates: \(s.searchCount) per cell, factors \(factors) of the rule; warm-ups: \(warmupText)"),
                ("budget", s.searchBudget.line),
                ("widening", s.searchWidenings == 0
                    ? "none (--widen 0)"
                    : "a choice on the lowest or highest rate adds the next rate past it at the chosen warm-up, "
                        + "at most \(s.searchWidenings) per side (the same rule for every optimizer)"),
            ]
        case .study:
            let rates = s.searchCount > 1 ? "\(s.searchCount) rates per cell, factors \(factors) of its centre; " : ""
            return [("learning rates and warm-ups", rates + "centres from " + sourceCounts)]
        }
    }

    /// `the rule (StudyRecipes.swift) for 6 cells, the search (--recipes path: ...) for 4 cells`.
    var sourceCounts: String {
        let s = settings
        var counts: [SettingSource: Int] = [:]
        for batch in s.batches {
            for optimizer in s.optimizers { counts[s.setting(optimizer, batch: batch).source, default: 0] += 1 }
        }
        return SettingSource.allCases.compactMap { source in
            guard let n = counts[source] else { return nil }
            var name = source.summary
            if source == .recipes, let book = s.recipes {
                name = "the search (\(book.origin), searched on \(book.provenance))"
            }
            return "\(name) for \(n) cell\(n == 1 ? "" : "s")"
        }.joined(separator: ", ")
    }
}
