import Foundation
import Testing
import LARSTestSupport
import SwiftLARS

/// The DocC "Getting started" article's end-to-end program cannot rot: its code blocks are
/// Examples/GettingStarted/main.swift exactly, and that program, built as `lars-getting-started`,
/// trains on a folder of PNG images, loads the best checkpoint, predicts and exports to PyTorch.
@Suite(.serialized) struct GettingStartedExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let section = "### Your own images, end to end"

    /// The Swift code blocks of the article's end-to-end section, joined as one file.
    static func articleCode() throws -> String {
        let article = try String(
            contentsOf: root.appendingPathComponent("Sources/SwiftLARS/SwiftLARS.docc/GettingStarted.md"), encoding: .utf8)
        let start = try #require(article.range(of: section), "the article has no '\(section)' section")
        let rest = article[start.upperBound...]
        let end = rest.range(of: "\n#")?.lowerBound ?? rest.endIndex
        var blocks: [String] = []
        var current: [Substring]?
        for line in rest[..<end].split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```swift" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks.joined(separator: "\n")
    }

    @Test func theArticleShowsTheExampleExactly() throws {
        let example = try String(contentsOf: Self.root.appendingPathComponent("Examples/GettingStarted/main.swift"), encoding: .utf8)
        let code = try Self.articleCode()
        #expect(code == example, "the article's code blocks differ from Examples/GettingStarted/main.swift")
    }

    /// 12x12 grey images of two classes that only position tells apart (a bright left or right
    /// half): a flip would swap the labels.
    static func halves(count: Int, seed: UInt64) -> ImageDataset {
        var generator = SeededGenerator(seed: seed)
        var pixels: [UInt8] = [], labels: [Int] = []
        for i in 0..<count {
            labels.append(i % 2)
            for _ in 0..<12 {
                for x in 0..<12 {
                    let bright = (x < 6) == (i % 2 == 0)
                    pixels.append(UInt8((bright ? 150 : 40) + Int(generator.nextUnitFloat() * 80)))
                }
            }
        }
        return ImageDataset(
            name: "halves", images: pixels, labels: labels, channels: 1, height: 12, width: 12, classCount: 2,
            classNames: ["left", "right"])
    }

    @Test func theExampleTrainsOnAFolderLoadsTheBestCheckpointPredictsAndExports() throws {
        let folder = temporaryDirectory("getting-started-images"), output = temporaryDirectory("getting-started-run")
        try ImageFolder.write(Self.halves(count: 256, seed: 1), to: folder + "/train")
        try ImageFolder.write(Self.halves(count: 40, seed: 2), to: folder + "/test")
        let (status, text) = try runProcess(try shippedExecutable("lars-getting-started"), [folder, output])
        #expect(status == 0, "\(text)")
        #expect(text.contains("training folder-cnn (") && text.contains(" on folder: 256 training / 40 test images"), "\(text)")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("best checkpoint, epoch ") }, "\(text)")
        let correct = try #require(Int(line.split(separator: ": ")[1].split(separator: " ")[0]), "\(line)")
        #expect(correct >= 36, "\(line)")  // position decides the class: no flip, so it is learnt
        let exported = output + "/folder-cnn.pytorch.safetensors"
        #expect(text.contains("PyTorch state_dict: \(exported)"))
        #expect(try SafeTensors.read(exported).names == ["conv.weight", "conv.bias", "fc.weight", "fc.bias"])
    }
}
