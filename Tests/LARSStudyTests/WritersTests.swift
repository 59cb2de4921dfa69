import Foundation
import Testing
@testable import LARSStudy

/// study.csv and study.md from made-up rows.
struct WritersTests {
    static func row(
        _ optimizer: StudyOptimizer, _ batch: Int, rate: Double, seed: UInt64 = 1, test: Double?, state: RunState,
        epoch: Int? = nil
    ) -> RunResult {
        let run = StudyRun(optimizer: optimizer, batch: batch, learningRate: rate, warmupEpochs: 1, seed: seed)
        var r = RunResult(run: run, epochs: 6, directory: "/s/cells/\(run.directoryName)")
        r.finalTestAccuracy = test
        r.bestTestAccuracy = test
        r.validationAccuracy = test.map { $0 - 0.01 }
        r.trainLoss = 0.25
        r.steps = 60000 / batch * 6
        r.wallSeconds = 100
        r.imagesPerSecond = 2000
        r.state = state
        r.divergedEpoch = epoch
        r.selected = true
        return r
    }

    static let rows = [
        row(.sgd, 512, rate: 0.2, test: 0.9012, state: .finished),
        row(.lars, 512, rate: 3, test: 0.9123, state: .finished),
        row(.sgd, 8192, rate: 3.2, test: nil, state: .diverged, epoch: 2),
        row(.lars, 8192, rate: 12, test: 0.885, state: .finished),
    ]

    static var header: StudyHeader {
        var s = StudySettings(output: "/s")
        s.batches = [512, 8192]
        return StudyHeader(settings: s, machine: "BLAS: OpenBLAS 0.3.21; 2 cores")
    }

    @Test func csvHasTheDocumentedColumnsAndOneLinePerRun() {
        let lines = StudyCSV.render(Self.rows).split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("optimizer,batch,learning_rate,warmup_epochs,seed,epochs,steps,final_test_accuracy,best_test_accuracy,validation_accuracy,train_loss,wall_seconds,images_per_second,state,diverged_epoch,directory"))
        #expect(lines[1] == "sgd,512,0.2,1,1,6,702,90.12,90.12,89.12,0.2500,100.0,2000,finished,,/s/cells/sgd-b512-lr0.2-s1,true,,,,,,")
        #expect(lines[3].hasPrefix("sgd,8192,3.2,1,1,6,42,,,,0.2500,100.0,2000,diverged,2,"))
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == StudyCSV.columns.count + StudyCSV.measurementColumns(targets: [0.9, 0.92]).count })
    }

    @Test func markdownIsOneRowPerBatchAndOneColumnPerOptimizer() {
        let text = StudyMarkdown.render(Self.rows, header: Self.header)
        #expect(text.contains("| batch | steps | SGD | LARS |"))
        #expect(text.contains("| 512 | 702 | 90.1 % (lr 0.2) | 91.2 % (lr 3) |"))
        #expect(text.contains("| 8192 | 42 | diverged (epoch 2) | 88.5 % (lr 12) |"))
        #expect(text.contains("fashion-mnist"))
        #expect(text.contains("OpenBLAS 0.3.21"))
    }

    @Test func seedsAreAveragedWithTheirSpread() {
        let runs = [
            Self.row(.lars, 512, rate: 3, seed: 1, test: 0.91, state: .finished),
            Self.row(.lars, 512, rate: 3, seed: 2, test: 0.92, state: .finished),
            Self.row(.lars, 512, rate: 3, seed: 3, test: 0.93, state: .finished),
        ]
        #expect(StudyMarkdown.cellText(runs) == "92.0 ± 1.0 % (lr 3, 3 seeds)")
        #expect(StudyMarkdown.cellText([Self.row(.sgd, 512, rate: 0.2, test: nil, state: .pending)]) == "pending")
    }

    @Test func htmlIsSelfContainedWithTheAccuracyChartOnALogTwoAxis() {
        let html = StudyHTML.render(Self.rows, header: Self.header) { _ in
            [TrustRow(step: 1, parameter: "conv1.weight", weightNorm: 4, gradientNorm: 0.5, trustRatio: 0.008),
             TrustRow(step: 1, parameter: "fc.weight", weightNorm: 2, gradientNorm: 0.1, trustRatio: 0.02)]
        }
        #expect(html.contains("<svg") && !html.contains("<script") && !html.contains("src="))
        #expect(html.contains("Final test accuracy against batch size"))
        #expect(html.contains(">8192</text>"))  // a power-of-two tick
        #expect(html.contains("Trust ratio per layer, LARS batch 512"))
        #expect(html.contains(">conv1.weight</text>") && html.contains(">fc.weight</text>"))
    }
}
