import Foundation
import Glibc
import LARSTestSupport
import Testing

/// lars-study owns its cells and its directory (issue #24): output paths lars-train refuses, flags
/// that would point cells at one directory, grids too large to list, and runs that prove nothing
/// are refused or recorded as failures, with nothing written where it should not be.
@Suite(.serialized) struct StudyOwnershipTests {
    static func study(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try StudyExecutableTests.study(arguments)
    }

    @Test(arguments: [
        (["--output", ""], "--output must name a directory"),
        (["--output", "//"], "--output must not be the root directory"),
        (["--extra=--output out/shared"], "--extra may not hold --output"),
        (["--extra=--overwrite --smoothing 0.1"], "--extra may not hold --overwrite"),
        (["--extra=--seed=3"], "--extra may not hold --seed=3"),
        (["--extra=--stop-at-target"], "--extra may not hold --stop-at-target"),
        (["--seeds", "100000000"], "--seeds: a count must be in 1...1000, got 100000000"),
        (["--seeds", "0"], "--seeds: a count must be in 1...1000, got 0"),
        (["--seeds", "1,-2"], "--seeds: seed -2 is negative"),
        (["--lr-search", "2000"], "--lr-search must be in 1...15, got 2000"),
        (["--rates", "lars=1e7"], "would get learning rate 1e+07, outside [1e-12, 1e+06]"),
        (["--lars-train", "/tmp"], "--lars-train /tmp is not an executable file"),
        (["--search", "--seeds", "1"], "--search reruns each choice over at least 2 seeds"),
        (["--search", "--warmups", "1,9"], "--warmups: 9 epochs is outside 0...2"),
        (["--warmup-search", "2"], "--warmup-search, --warmups and --widen shape a search: give --search too"),
        (["--widen", "1"], "--warmup-search, --warmups and --widen shape a search: give --search too"),
        (["--search", "--widen", "7"], "--widen must be in 0...6, got 7"),
        (["--rules", "--recipes", "/x.json"], "--rules and --recipes choose different settings: give one of them"),
        (["--search", "--warmups", "1,2", "--warmup-search", "2"], "--warmups and --warmup-search both set the warm-ups: give one of them"),
        (["--recipes", "/nonexistent/recipes.json"], "--recipes /nonexistent/recipes.json: no such file"),
    ])
    func aStudyThatCannotBeRunIsRefusedBeforeWritingAnything(arguments: [String], message: String) throws {
        let output = StudyExecutableTests.studyDirectory("refused")
        let rootHadFiles = ["/study.csv", "/cells"].map { FileManager.default.fileExists(atPath: $0) }
        let (status, text) = try Self.study(["--output", output] + arguments)
        #expect(status != 0, "\(arguments): \(text)")
        #expect(text.contains(message), "\(arguments): \(text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).isEmpty, "\(arguments) wrote into \(output)")
        #expect(["/study.csv", "/cells"].map { FileManager.default.fileExists(atPath: $0) } == rootHadFiles)
    }

    @Test func aValueGivenTwiceRunsOnce() throws {
        let (status, text) = try Self.study([
            "--dry-run", "--batches", "512,512", "--optimizers", "lars,lars", "--seeds", "3,3", "--output", StudyExecutableTests.studyDirectory("dups"),
        ])
        #expect(status == 0, "\(text)")
        #expect(text.contains("cell 1/1: lars b512"), "\(text)")
    }

    /// A study whose lars-train is `fake`: every cell exits 0 having trained nothing.
    @Test(arguments: [["--launcher", "echo"], ["--lars-train", "/bin/true"]])
    func aCleanExitWithoutAnOutcomeIsAFailureNotAFinish(arguments: [String]) throws {
        let output = StudyExecutableTests.studyDirectory("fake")
        let (status, text) = try Self.study(StudyExecutableTests.tiny + arguments + ["--seeds", "1", "--optimizers", "lars", "--batches", "16", "--output", output])
        #expect(!text.contains("finished:"), "\(text)")
        #expect(text.contains("failed (it exited 0 without writing outcome.json)"), "\(text)")
        let cells = try FileManager.default.contentsOfDirectory(atPath: output + "/cells")
        #expect(cells.count == 1)
        let cell = output + "/cells/" + cells[0]
        #expect(!FileManager.default.fileExists(atPath: cell + "/outcome.json"))
        let failure = try String(contentsOfFile: cell + "/failure.json", encoding: .utf8)
        #expect(failure.contains("without writing outcome.json"), "\(failure)")
        let rows = try StudyExecutableTests.csvRows(output)
        #expect(rows.map { $0["state"] } == ["failed"], "\(rows)")
        // A rerun runs the cell again instead of skipping it as done.
        let again = try Self.study(StudyExecutableTests.tiny + arguments + ["--seeds", "1", "--optimizers", "lars", "--batches", "16", "--output", output])
        #expect(!again.output.contains("skipped"), "\(again.output)")
        _ = status
    }

    /// A study stopped after a cell's last checkpoint but before its outcome.json: the rerun
    /// counts the cell finished by its metrics (lars-train would refuse to train nothing) and
    /// writes the outcome, instead of failing the cell on every rerun.
    @Test func aCellWhoseMetricsReachTheEndIsFinishedWithoutItsOutcome() throws {
        let output = StudyExecutableTests.studyDirectory("no-outcome")
        let grid = StudyExecutableTests.tiny + ["--seeds", "1", "--optimizers", "lars", "--batches", "16", "--output", output]
        let first = try Self.study(grid)
        #expect(first.status == 0, "\(first.output)")
        let cells = try FileManager.default.contentsOfDirectory(atPath: output + "/cells")
        try #require(cells.count == 1)
        let cell = output + "/cells/" + cells[0]
        let written = try String(contentsOfFile: cell + "/outcome.json", encoding: .utf8)
        try FileManager.default.removeItem(atPath: cell + "/outcome.json")
        let again = try Self.study(grid)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("skipped (finished by its metrics; outcome.json was missing)"), "\(again.output)")
        #expect(!FileManager.default.fileExists(atPath: cell + "/failure.json"))
        let rewritten = try String(contentsOfFile: cell + "/outcome.json", encoding: .utf8)
        #expect(rewritten.contains("finished"), "\(rewritten)")
        #expect(written.contains("finished"), "\(written)")
        #expect(try StudyExecutableTests.csvRows(output).map { $0["state"] } == ["finished"])
    }

    @Test func aSecondStudyIntoALockedDirectoryIsRefusedNamingTheHolder() throws {
        let output = StudyExecutableTests.studyDirectory("locked")
        let fd = open(output + "/.lars-study.lock", O_RDWR | O_CREAT, 0o644)
        defer { close(fd) }
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        let (status, text) = try Self.study(StudyExecutableTests.tiny + ["--seeds", "1", "--optimizers", "lars", "--batches", "16", "--output", output])
        #expect(status != 0)
        #expect(text.contains("in use by another study (process \(getpid()))"), "\(text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output + "/cells").isEmpty)
    }
}
