import Foundation
import Testing
import LARSTraining
@testable import LARSStudy

/// Steps to a target, the bend, the noise-scale prediction and the diverged-cell fields.
struct StudyScalingTests {
    static func result(_ optimizer: StudyOptimizer, _ batch: Int, seed: UInt64 = 1, steps90: Int?, noise: Double? = nil) -> RunResult {
        let run = StudyRun(optimizer: optimizer, batch: batch, learningRate: 1, warmupEpochs: 1, seed: seed)
        var r = RunResult(run: run, epochs: 4, directory: "/s/cells/\(run.directoryName)")
        r.state = .finished
        r.selected = true
        r.finalTestAccuracy = 0.9
        r.trainLoss = noise.map { 1000 / $0 }  // the larger the noise scale, the lower the loss
        r.measurements = RunMeasurements(
            targets: [
                TargetReached(target: 0.9, step: steps90, epoch: steps90 == nil ? nil : 1, accuracy: steps90 == nil ? nil : 0.9),
                TargetReached(target: 0.92, step: nil, epoch: nil, accuracy: nil),
            ], noiseScale: noise)
        return r
    }

    static var settings: StudySettings {
        var s = StudySettings(output: "/s")
        s.batches = [64, 256, 1024, 4096]
        s.optimizers = [.sgd, .lars]
        return s
    }

    // SGD: perfect scaling to 256, then 2.5x the perfect-scaling steps at 1024, and missing at
    // 4096. LARS: perfect scaling throughout, two seeds at 64.
    static let results = [
        result(.sgd, 64, steps90: 1600, noise: 300), result(.sgd, 256, steps90: 400, noise: 500),
        result(.sgd, 1024, steps90: 250, noise: 700), result(.sgd, 4096, steps90: nil),
        result(.lars, 64, steps90: 1500), result(.lars, 64, seed: 2, steps90: 1700),
        result(.lars, 256, steps90: 400), result(.lars, 1024, steps90: 100), result(.lars, 4096, steps90: 25),
    ]

    @Test func pointsAverageTheSeedsAndMarkACellThatNeverReachedTheTarget() {
        let points = StudyScaling.points(Self.results, settings: Self.settings, target: 0.9)
        let lars64 = points.first { $0.optimizer == .lars && $0.batch == 64 }!
        #expect(lars64.meanSteps == 1600 && lars64.range == 1500...1700 && lars64.reached == 2)
        #expect(StudyScaling.cellText(lars64) == "1600 (1500-1700)")
        let sgd4096 = points.first { $0.optimizer == .sgd && $0.batch == 4096 }!
        #expect(sgd4096.meanSteps == nil && sgd4096.seeds == 1)
        #expect(StudyScaling.cellText(sgd4096) == "not reached")
    }

    @Test func theBendIsWhereStepsReachTwiceThePerfectScalingLine() throws {
        let points = StudyScaling.points(Self.results, settings: Self.settings, target: 0.9)
        // SGD's ratio to the perfect-scaling line: 1 at 64 and 256, 2.5 at 1024; log-linear
        // interpolation of 2 between 256 and 1024: 256 x 4^(ln 2 / ln 2.5).
        let bend = try #require(StudyScaling.measuredBend(points.filter { $0.optimizer == .sgd }))
        #expect(abs(bend - 256 * pow(4, log(2) / log(2.5))) < 1e-6)
        #expect(StudyScaling.measuredBend(points.filter { $0.optimizer == .lars }) == nil)
        let text = StudyScaling.bendLine(points, settings: Self.settings, predicted: 500)
        #expect(text.contains("SGD about \(Int(bend.rounded()))") && text.contains("LARS beyond 4096"))
        #expect(text.contains("about 500 images"))
        // Without its largest batch's point, LARS's curve is known up to 1024 only.
        let cut = points.map { p -> ScalingPoint in
            var q = p
            if q.optimizer == .lars && q.batch == 4096 { q.meanSteps = nil }
            return q
        }
        let cutText = StudyScaling.bendLine(cut, settings: Self.settings, predicted: nil)
        #expect(cutText.contains("LARS beyond 1024, the largest batch that reached the target (4096 did not)"), "\(cutText)")
    }

    @Test func thePredictionIsTheNoiseScaleOfTheMostTrainedMeasuredRun() {
        // SGD at 1024 has the lowest training loss (1000 / 700) of the three measured runs.
        #expect(StudyScaling.predictedCriticalBatch(Self.results) == 700)
        var diverged = Self.results
        diverged[2].state = .diverged
        #expect(StudyScaling.predictedCriticalBatch(diverged) == 500)
        #expect(StudyScaling.predictedCriticalBatch([Self.result(.sgd, 64, steps90: 1)]) == nil)
    }

    @Test func theMarkdownAndChartShowUnreachedCells() {
        let header = StudyHeader(settings: Self.settings, machine: "test")
        let text = StudyMarkdown.render(Self.results, header: header)
        #expect(text.contains("### 90 % validation accuracy"))
        #expect(text.contains("| 4096 | not reached | 25 |"))
        let svg = StudyScalingChart.svg(Self.results, settings: Self.settings, target: 0.9)
        #expect(svg.contains("sgd b4096: not reached"))
        #expect(svg.contains("noise scale 700"))
    }

    @Test func theHeaderClaimsARateSearchOnlyWhenOneRan() {
        var s = Self.settings
        let lines = { (s: StudySettings) in StudyHeader(settings: s, machine: "m").lines.map(\.1).joined(separator: "\n") }
        #expect(lines(s).contains("no search ran") && !lines(s).contains("rate search chooses"))
        #expect(lines(s).contains("55000 training images per epoch, 5000 more held out"))
        s.searchCount = 3
        #expect(lines(s).contains("the rate search chooses by their accuracy"))
    }

    @Test func aCellThatDivergedInItsFirstEpochKeepsItsStepsTimeAndSpikeApart() throws {
        let directory = NSTemporaryDirectory() + "study-diverged-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try (RunFiles.metricsColumns.joined(separator: ",") + "\n").write(toFile: directory + "/metrics.csv", atomically: true, encoding: .utf8)
        try "step,epoch,learning_rate,loss\n0,1,0.1,2.3\n1,1,0.2,8.5\n2,1,0.3,nan\n".write(toFile: directory + "/steps.csv", atomically: true, encoding: .utf8)
        var outcome = RunOutcome(state: .diverged, epoch: 1, step: 3, reason: "the loss is nan")
        outcome.wallSeconds = 12.5
        try outcome.write(to: directory + "/outcome.json")
        let run = StudyRun(optimizer: .sgd, batch: 2048, learningRate: 0.8, warmupEpochs: 1, seed: 1)
        var r = RunResult.read(run: run, epochs: 4, directory: directory, collapseThreshold: 0.11)
        r.selected = true
        #expect(r.state == .diverged && r.steps == 0 && r.divergedStep == 3 && r.wallSeconds == 12.5)
        #expect(r.measurements.peakStepLoss?.step == 3 && r.measurements.peakStepLoss?.loss.isNaN == true)
        let row = StudyCSV.render([r]).split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let columns = StudyCSV.columns + StudyCSV.measurementColumns(targets: [0.9, 0.92])
        func field(_ name: String) -> String { row[columns.firstIndex(of: name)!] }
        #expect(field("steps") == "0" && field("diverged_step") == "3")
        #expect(field("wall_seconds") == "12.5" && field("images_per_second") == "")
        #expect(field("peak_step") == "3")
    }
}
