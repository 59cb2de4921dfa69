import Foundation
import Testing
import LARSTestSupport
import LARSStudy
import LARSTraining

/// Runs the shipped `lars-study` (which runs the shipped `lars-train`) on tiny studies of the real
/// Fashion-MNIST (Debian's `dataset-fashion-mnist`). The runs are debug builds on 64 images, so
/// accuracies mean nothing here; the tests check the study's bookkeeping.
@Suite(.serialized) struct StudyExecutableTests {
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// Flags of a tiny study: 64 training images, 64 held out, 50 test images, 1 thread.
    static let tiny = [
        "--train-limit", "64", "--test-limit", "50", "--validation", "64", "--epochs", "2", "--threads", "1",
    ]

    static func studyDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "lars-study-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func requireData() throws {
        try #require(
            FileManager.default.fileExists(atPath: fashionMNIST + "/train-images-idx3-ubyte.gz"),
            "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist")
    }

    static func study(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(try shippedExecutable("lars-study"), arguments)
    }

    /// study.csv as dictionaries by column name.
    static func csvRows(_ directory: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: directory + "/study.csv", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// Modification times of every file under `directory`.
    static func mtimes(_ directory: String) -> [String: Date] {
        var out: [String: Date] = [:]
        let e = FileManager.default.enumerator(atPath: directory)
        while let name = e?.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            out[name] = attributes?[.modificationDate] as? Date
        }
        return out
    }

    @Test func writesTheReportsAndSkipsFinishedCellsWhenRunAgain() throws {
        try Self.requireData()
        let output = Self.studyDirectory("reports")
        let arguments = Self.tiny + ["--seeds", "1", "--optimizers", "sgd,lars", "--batches", "16,32", "--output", output]
        let (status, text) = try Self.study(arguments)
        #expect(status == 0, "lars-study failed:\n\(text)")
        #expect(text.contains("cell 1/4: sgd b16 lr 0.00625 seed 1"), "\(text)")
        #expect(text.contains("cell 4/4: lars b32 lr 1.191 seed 1"), "\(text)")
        #expect(text.contains("study: about"), "no estimate of the remaining time:\n\(text)")

        let rows = try Self.csvRows(output)
        #expect(rows.map { "\($0["optimizer"]!) \($0["batch"]!)" } == ["sgd 16", "lars 16", "sgd 32", "lars 32"])
        for row in rows {
            #expect(row["state"] == "finished" || row["state"] == "diverged", "\(row)")
            #expect(row["epochs"] == "2" && row["selected"] == "true")
            #expect(!(row["validation_accuracy"] ?? "").isEmpty, "no validation accuracy: \(row)")
            #expect(FileManager.default.fileExists(atPath: row["directory"]! + "/outcome.json"))
        }
        #expect(rows[1]["learning_rate"] == "0.9449" && rows[1]["warmup_epochs"] == "0.6667")
        let markdown = try String(contentsOfFile: output + "/study.md", encoding: .utf8)
        #expect(markdown.contains("| batch | steps | SGD | LARS |"), "\(markdown)")
        #expect(markdown.contains("| 16 | 8 |"), "\(markdown)")
        #expect(markdown.contains("| 32 | 4 |"), "\(markdown)")
        let html = try String(contentsOfFile: output + "/study.html", encoding: .utf8)
        #expect(html.contains("Trust ratio per layer, LARS batch 16") && html.contains("Trust ratio per layer, LARS batch 32"))
        #expect(FileManager.default.fileExists(atPath: output + "/accuracy_vs_batch.svg"))
        #expect(FileManager.default.fileExists(atPath: output + "/steps_vs_batch.svg"))
        // TensorBoard: the experiment in the root; each cell lars-train's events and the study's session file.
        #expect(TensorBoardEventFile.files(in: output).filter { $0.hasSuffix(StudyTensorBoard.suffix) }.count == 1)
        for row in rows {
            #expect(TensorBoardEventFile.files(in: row["directory"]!).map { $0.hasSuffix(StudyTensorBoard.suffix) } == [false, true], "\(row)")
        }

        // Again: every cell is skipped, no lars-train runs, no cell file changes.
        let before = Self.mtimes(output + "/cells")
        let (again, againText) = try Self.study(arguments)
        #expect(again == 0, "\(againText)")
        #expect(againText.components(separatedBy: ": skipped (").count - 1 == 4, "\(againText)")
        #expect(!againText.contains("training small-cnn"), "a lars-train run started:\n\(againText)")
        #expect(Self.mtimes(output + "/cells") == before)
        #expect(try Self.csvRows(output).count == 4)
    }

    @Test func aDivergingCellIsRecordedWithItsEpochAndTheStudyGoesOn() throws {
        try Self.requireData()
        let output = Self.studyDirectory("diverge")
        let (status, text) = try Self.study(
            Self.tiny + ["--seeds", "1", "--optimizers", "sgd", "--batches", "16,32", "--rates", "sgd=1e6", "--output", output])
        #expect(status == 0, "\(text)")
        let rows = try Self.csvRows(output)
        #expect(rows.count == 2, "the study stopped after the first divergence:\n\(text)")
        for row in rows {
            #expect(row["state"] == "diverged", "\(row)\n\(text)")
            // The epoch lars-train's outcome.json names: the first or (after a logged epoch) the second.
            let data = try #require(FileManager.default.contents(atPath: row["directory"]! + "/outcome.json"))
            let outcome = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let epoch = try #require(row["diverged_epoch"].flatMap { Int($0) }, "\(row)")
            #expect(epoch == 1 || epoch == 2)
            #expect(outcome["state"] as? String == "diverged" && (outcome["epoch"] as? Int) == epoch, "\(outcome)")
        }
        #expect(text.contains("cell 2/2: sgd b32 lr 1e+06 seed 1"), "\(text)")
        let markdown = try String(contentsOfFile: output + "/study.md", encoding: .utf8)
        #expect(markdown.contains("| 16 |") && markdown.contains("| diverged (epoch "), "\(markdown)")
    }

    @Test func aStudyKilledPartWayResumesTheInterruptedCell() throws {
        try Self.requireData()
        let output = Self.studyDirectory("resume")
        let arguments = Self.tiny.filter { $0 != "2" && $0 != "--epochs" } + [
            "--epochs", "4", "--seeds", "1", "--optimizers", "lars", "--batches", "16", "--output", output,
        ]
        let cell = output + "/cells/lars-b16-lr0.9449-s1"
        let process = Process()
        process.executableURL = try shippedExecutable("lars-study")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill lars-study as soon as the cell has checkpointed an epoch.
        var waited = 0.0
        while !FileManager.default.fileExists(atPath: cell + "/checkpoint.safetensors") && waited < 300 && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 0.05
        }
        try #require(FileManager.default.fileExists(atPath: cell + "/checkpoint.safetensors"), "no checkpoint appeared")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        // lars-train asked the kernel to kill it with its parent: no process of this study remains.
        var survivors = Self.processes(mentioning: output)
        for _ in 0..<100 where !survivors.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            survivors = Self.processes(mentioning: output)
        }
        #expect(survivors.isEmpty, "lars-train outlived lars-study: pids \(survivors)")
        try #require(
            !FileManager.default.fileExists(atPath: cell + "/outcome.json"), "the cell finished before the kill")

        let (status, text) = try Self.study(arguments)
        #expect(status == 0, "\(text)")
        #expect(text.contains("cell 1/1: lars b16 lr 0.9449 seed 1: resuming from its checkpoint"), "\(text)")
        #expect(text.contains("resumed from \(cell)/checkpoint.safetensors"), "\(text)")
        let rows = try Self.csvRows(output)
        #expect(rows.count == 1 && rows[0]["steps"] == "16", "\(rows)")
        #expect(rows.first?["state"] == "finished" || rows.first?["state"] == "diverged", "\(rows)")
    }

    @Test func aDryRunPrintsEveryRunOfTheSearchAndItsCommandWithoutRunningIt() throws {
        let output = Self.studyDirectory("dry")
        let (status, text) = try Self.study(["--dry-run", "--seeds", "1", "--lr-search", "3", "--batches", "512", "--output", output])
        #expect(status == 0, "\(text)")
        #expect(text.contains("cell 6/6: lars b512 lr 6 seed 1 (x2 of the rule)"), "\(text)")
        for rate in ["0.1", "0.2", "0.4"] {
            #expect(text.contains("--opt sgd --lr \(rate) --warmup-epochs 1 --batch-size 512 --epochs 4"), "\(text)")
        }
        for rate in ["1.5", "3", "6"] {
            #expect(text.contains("--opt lars --lr \(rate) "), "\(text)")
        }
        #expect(text.contains("--validation 5000 --nesterov --targets 0.9,0.92 --divergence-factor 0 --output \(output)/cells/lars-b512-lr1.5-s1"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: output + "/cells"))
    }

    @Test func badFlagsGetAReadableMessage() throws {
        let (status, text) = try Self.study(["--dry-run", "--optimizers", "sgd,adagrad"])
        #expect(status != 0)
        #expect(text.contains("unknown optimizer 'adagrad'"), "\(text)")
    }

    /// Pids of processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let command = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return command.contains(text) ? pid : nil
        }
    }
}
