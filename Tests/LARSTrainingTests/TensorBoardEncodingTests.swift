import Foundation
import Testing

@testable import LARSTraining

/// Bytes as lowercase hex, to compare with vectors printed by Python's protobuf.
private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// The TensorBoard writer's pieces against known values: CRC-32C test vectors, varints, and
/// whole `Event` messages against the bytes Python's `protobuf` (with tensorboard 2.21's
/// generated classes) serialises for the same messages.
@Suite struct TensorBoardEncodingTests {
    @Test func crc32cMatchesTheStandardVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 (iSCSI), appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func maskRotatesAndAddsTheConstant() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        // 0xE3069283 rotated right by 15 is 0x2507C60D; plus 0xA282EAD8 (wrapping) is 0xC78AB0E5.
        #expect(CRC32C.masked(0xE306_9283) == 0xC78A_B0E5)
        #expect(CRC32C.masked(0xFFFF_FFFF) == 0xA282_EAD7)  // wraps around
    }

    @Test func varintsUseSevenBitsPerByte() {
        func varint(_ value: UInt64) -> [UInt8] {
            var w = ProtoWriter()
            w.appendVarint(value)
            return w.bytes
        }
        #expect(varint(0) == [0])
        #expect(varint(1) == [1])
        #expect(varint(127) == [0x7F])
        #expect(varint(128) == [0x80, 0x01])
        #expect(varint(300) == [0xAC, 0x02])
        #expect(varint(UInt64.max) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        var w = ProtoWriter()
        w.int64(2, -1)  // two's complement: ten bytes after the key
        #expect(w.bytes == [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func eventsMatchPythonProtobufByteForByte() {
        let scalar = TensorBoardEvent(wallTime: 1.5, step: 3, content: .summary([.scalar("loss", 0.25)]))
        #expect(hex(scalar.encoded()) == "09000000000000f83f10032a0d0a0b0a046c6f7373150000803e")
        let version = TensorBoardEvent(wallTime: 2, step: 7, content: .fileVersion("brain.Event:2"))
        #expect(hex(version.encoded()) == "09000000000000004010071a0d627261696e2e4576656e743a32")
        let start = TensorBoardEvent(wallTime: 1, step: 4, content: .sessionStart)
        #expect(hex(start.encoded()) == "09000000000000f03f10043a020801")
        let histogram = Histogram([1.0, 2, 3, 4], buckets: 2)
        #expect(histogram.bucketLimits == [2.5, 4] && histogram.bucketCounts == [2, 2])
        let histo = TensorBoardEvent(wallTime: 1, step: 2, content: .summary([SummaryValue(tag: "h", kind: .histogram(histogram))]))
        #expect(
            hex(histo.encoded())
                == "09000000000000f03f10022a580a560a01682a5109000000000000f03f110000000000001040190000000000001040"
                + "210000000000002440290000000000003e403210000000000000044000000000000010403a1000000000000000400000000000000040")
    }

    @Test func hparamsRecordsMatchPythonProtobufByteForByte() {
        let start = TensorBoardEvent(
            wallTime: 1, step: 2, content: .summary([HParams.sessionStart([("optimizer", .string("lars"))], started: 5)]))
        #expect(
            hex(start.encoded())
                == "09000000000000f03f10022a590a570a1c5f68706172616d735f2f73657373696f6e5f73746172745f696e666f4206080112021200"
                + "4a2f0a2b0a0768706172616d7312201a1e0a130a096f7074696d697a657212061a046c6172732900000000000014402002")
        let end = TensorBoardEvent(wallTime: 1, step: 2, content: .summary([HParams.sessionEnd(.success, ended: 9)]))
        #expect(
            hex(end.encoded())
                == "09000000000000f03f10022a440a420a1a5f68706172616d735f2f73657373696f6e5f656e645f696e666f42060801120212004a1c"
                + "0a180a0768706172616d73120d220b08011100000000000022402002")
        let experiment = HParams.experiment(
            name: "g", parameters: [HParams.Parameter(name: "batch_size", displayName: "batch", values: [.number(256), .number(512)])],
            metrics: [HParams.Metric(tag: "acc", group: "eval", displayName: "accuracy")], created: 3)
        guard case .plugin(let name, let content) = experiment.kind else {
            Issue.record("the experiment is no plugin value")
            return
        }
        #expect(name == "hparams" && experiment.tag == "_hparams_/experiment")
        #expect(
            hex(content)
                == "1254190000000000000840222d0a0a62617463685f73697a651205626174636820032a160a09110000000000007040"
                + "0a091100000000000080402a170a0b0a046576616c12036163631a086163637572616379320167")
    }

    @Test func recordsAreFramedAsTensorBoardsRecordWriterFramesThem() throws {
        // tensorboard.summary.writer.record_writer.RecordWriter: the scalar event above, then an empty record.
        let event = TensorBoardEvent(wallTime: 1.5, step: 3, content: .summary([.scalar("loss", 0.25)])).encoded()
        let framed = TFRecord.frame(event) + TFRecord.frame([])
        #expect(
            hex(framed)
                == "1a00000000000000129bd82d09000000000000f83f10032a0d0a0b0a046c6f7373150000803ed054b255"
                + "000000000000000029039807d8ea82a2")
        #expect(try TFRecord.records(in: framed) == [event, []])
    }

    @Test func readingRefusesDamagedOrCutOffRecords() throws {
        let framed = TFRecord.frame(Array("first".utf8)) + TFRecord.frame(Array("second".utf8))
        for (index, problem) in [(3, "length's checksum"), (14, "data's checksum"), (framed.count - 1, "data's checksum")] {
            var damaged = framed
            damaged[index] ^= 0x01
            #expect(throws: TrainingError.self, "a flipped bit at byte \(index) is a \(problem) error") {
                try TFRecord.records(in: damaged)
            }
        }
        for length in [framed.count - 1, 21 + 10, 21 + 17] {
            #expect(throws: TrainingError.self, "cut off at \(length) bytes") { try TFRecord.records(in: Array(framed.prefix(length))) }
        }
        #expect(try TFRecord.records(in: Array(framed.prefix(21))) == [Array("first".utf8)])
    }

    @Test func histogramsCountFiniteValuesInEqualBuckets() {
        let h = Histogram([0.5, 0.1, 0.9, .nan, 0.1, .infinity] as [Float], buckets: 4)
        #expect(h.count == 4 && h.bucketCounts.reduce(0, +) == 4)
        #expect(abs(h.minimum - 0.1) < 1e-7 && abs(h.maximum - 0.9) < 1e-7)
        #expect(h.bucketCounts == [2, 0, 1, 1])  // 0.5 is the third bucket's left edge
        #expect(h.bucketLimits.last == h.maximum)
        let same = Histogram([2.0, 2.0])
        #expect(same.bucketLimits == [2] && same.bucketCounts == [2])
        #expect(Histogram([Double]()).bucketCounts.isEmpty)
    }
}
