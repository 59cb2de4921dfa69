import Foundation
import Testing
@testable import LARSData

@Suite("Writing .npy files and image folders")
struct WriterRoundTripTests {
    @Test("NumPyArray.write produces files read back with the same shape, type and values")
    func npyRoundTrip() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let arrays = [
            NumPyArray(shape: [2, 3], floats: [1.5, -2, 0, .pi, 1e-30, 7]),
            NumPyArray(shape: [4], bytes: [0, 1, 254, 255]),
            NumPyArray(shape: [3], integers: [-5, 0, 1 << 40]),
        ]
        for (i, array) in arrays.enumerated() {
            try array.write(to: dir.file("\(i).npy"))
            let back = try NumPyArray(contentsOf: dir.file("\(i).npy"))
            #expect(back.shape == array.shape && back.dtype == array.dtype)
            #expect(back.floatValues() == array.floatValues() && back.uint8Values() == array.uint8Values())
            #expect(back.integerValues() == array.integerValues())
        }
        #expect(NumPyArray(shape: [3], integers: [-5, 0, 1 << 40]).integerValues() == [-5, 0, 1 << 40])
    }

    @Test("ImageFolder.write then load gives back the images grouped by class, in class order", arguments: [1, 3])
    func folderRoundTrip(channels: Int) throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let pixels = (0..<(4 * channels * 6)).map { UInt8($0 * 7 % 256) }
        let data = ImageDataset(
            name: "d", images: pixels, labels: [1, 0, 1, 0], channels: channels, height: 2, width: 3, classCount: 2,
            classNames: ["cat", "dog"])
        try ImageFolder.write(data, to: dir.file("out"))
        let back = try ImageFolder.load(directory: dir.file("out"), name: "back")
        #expect(back.classNames == ["cat", "dog"] && back.labels == [0, 0, 1, 1] && back.channels == channels)
        let size = data.imageSize
        let expected = [1, 3, 0, 2].flatMap { pixels[($0 * size)..<(($0 + 1) * size)] }
        #expect(back.images == expected)
    }
}
