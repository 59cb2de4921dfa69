import LARSTraining

/// Writes a study's reports into its directory, each atomically (`AtomicFile`), so that a study
/// killed at any moment leaves the previous complete version of each.
public enum StudyOutputs {
    /// Writes `study.csv`, `study.md`, `study.html`, `accuracy_vs_batch.svg` and `steps_vs_batch.svg` into
    /// `header.settings.output` from `results` (with `selected` set).
    public static func write(_ results: [RunResult], header: StudyHeader) throws {
        let directory = header.settings.output
        let files: [(String, String)] = [
            ("study.csv", StudyCSV.render(results, targets: header.settings.targets)),
            ("study.md", StudyMarkdown.render(results, header: header)),
            ("study.html", StudyHTML.render(results, header: header) { RunDirectory(path: $0).trustRatios() }),
            ("accuracy_vs_batch.svg", StudyHTML.accuracyChart(results, settings: header.settings).svg() + "\n"),
            ("steps_vs_batch.svg", StudyScalingChart.svg(results, settings: header.settings, target: header.settings.targets[0]) + "\n"),
        ]
        for (name, text) in files {
            try AtomicFile.write(Array(text.utf8), to: directory + "/" + name)
        }
    }
}
