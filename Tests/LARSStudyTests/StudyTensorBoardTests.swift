import Foundation
import LARSTestSupport
import LARSTraining
import Testing

@testable import LARSStudy

/// The study's HParams records: what goes into the root and each run directory, replacing only
/// the study's own files, and `--no-tensorboard` passed on to lars-train.
@Suite struct StudyTensorBoardTests {
    static func directory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "lars-study-tb-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The decoded events of the study's own event file in `directory`.
    static func studyEvents(in directory: String) throws -> [DecodedEvent] {
        let files = TensorBoardEventFile.files(in: directory).filter { $0.hasSuffix(StudyTensorBoard.suffix) }
        try #require(files.count == 1, "study files: \(files)")
        return try TensorBoardEventFile.read(files[0]).map(DecodedEvent.init)
    }

    @Test func aRunDirectoryGetsItsSessionRecordsAndMetricsReplacingOnlyTheStudysFile() throws {
        let output = Self.directory("session")
        let run = StudyRun(optimizer: .lars, batch: 1024, learningRate: 4.5, warmupEpochs: 1.5, seed: 2)
        var result = RunResult(run: run, epochs: 3, directory: output + "/cells/" + run.directoryName)
        result.state = .finished
        result.steps = 150
        result.finalTestAccuracy = 0.875
        result.bestTestAccuracy = 0.9
        let trainFile = try TensorBoardEventFile(directory: result.directory)  // lars-train's own
        try StudyTensorBoard.writeSession(result)
        result.finalTestAccuracy = 0.5
        try StudyTensorBoard.writeSession(result)  // rewritten: the earlier study file goes

        let events = try Self.studyEvents(in: result.directory)
        #expect(events.first?.fileVersion == "brain.Event:2")
        let summary = try #require(events.last)
        #expect(summary.step == 150)
        #expect(summary.pluginNames == [HParams.sessionStartTag: "hparams", HParams.sessionEndTag: "hparams"])
        #expect(summary.scalars == [StudyTensorBoard.finalTestTag: 0.5, StudyTensorBoard.bestTestTag: 0.9])
        #expect(FileManager.default.fileExists(atPath: trainFile.path))
        #expect(StudyTensorBoard.startTime(of: result.directory).map { abs($0 - Date().timeIntervalSince1970) < 3600 } == true)

        let pending = RunResult(run: run, epochs: 3, directory: output + "/cells/pending")  // interrupted: no record yet
        try StudyTensorBoard.writeSession(pending)
        #expect(TensorBoardEventFile.files(in: pending.directory).isEmpty)
    }

    @Test func theRootGetsTheExperimentWithTheGridsValues() throws {
        var settings = StudySettings(output: Self.directory("experiment"))
        settings.optimizers = [.sgd, .lars]
        settings.batches = [512, 128]
        settings.seeds = [1, 2]
        try StudyTensorBoard.writeExperiment(settings)
        let events = try Self.studyEvents(in: settings.output)
        #expect(events.last?.pluginNames == [HParams.experimentTag: "hparams"])
        let parameters = StudyTensorBoard.parameters(settings)
        #expect(parameters.map(\.name) == ["optimizer", "batch_size", "learning_rate", "warmup_epochs", "seed"])
        #expect(parameters[0].values == [.string("sgd"), .string("lars")])
        #expect(parameters[1].values == [.number(128), .number(512)])
        #expect(parameters[4].values == [.number(1), .number(2)])
        #expect(parameters[2].values.count == Set(settings.runs.map(\.learningRate)).count)
        // Every run's session values name exactly the experiment's columns.
        for run in settings.runs {
            #expect(StudyTensorBoard.values(run).map(\.name) == parameters.map(\.name))
        }
    }

    @Test func switchedOffLarsTrainIsToldToo() {
        var settings = StudySettings(output: "/tmp/x")
        let run = settings.runs[0]
        #expect(!LarsTrainCommand(executable: "lars-train", settings: settings).arguments(for: run).contains("--no-tensorboard"))
        settings.tensorBoard = false
        #expect(LarsTrainCommand(executable: "lars-train", settings: settings).arguments(for: run).contains("--no-tensorboard"))
    }
}
