// lars-mistakes: the mistakes a user of the library can make with data, shapes and files, one per
// argument, each showing the message swift-lars gives for it. Built with `-c release` by CI
// (Scripts/check-release-errors.sh), because that is where Swift's `precondition` would have
// dropped the message: every message here must survive an optimised build.
//
//   swift run -c release lars-mistakes <case>     (cases: see `mistakes` below)
import SwiftLARS

#if canImport(Glibc)
import Glibc
#endif

var generator = SeededGenerator(seed: 1)
let context = ExecutionContext(convolutionEngine: .im2col)
let directory = "/tmp/lars-mistakes-\(getpid())"
try makeDirectories(directory)

/// Each case makes one mistake; the traps stop the program, the throws are printed.
let mistakes: [String: () throws -> Void] = [
    "input-shape": {
        let model = Models.smallCNN(generator: &generator)
        _ = model.forward(Tensor(zeros: [2, 3, 28, 28]), context: context)
    },
    "label-range": {
        _ = softmaxCrossEntropy(logits: Tensor(zeros: [2, 10]), labels: [3, 12])
    },
    "backward-without-forward": {
        let layer = Dense(inputCount: 4, outputCount: 2, generator: &generator)
        _ = layer.backward(Tensor(zeros: [1, 2]), context: context)
    },
    "duplicate-names": {
        let a = Dense(inputCount: 4, outputCount: 4, generator: &generator)
        let b = Dense(inputCount: 4, outputCount: 4, generator: &generator)
        // Two children given the same name: their parameters would share names.
        let model = Sequential([("a", a), ("a", b)])
        try model.save(to: directory + "/model.safetensors")
    },
    "mismatched-checkpoint": {
        try Dense(inputCount: 4, outputCount: 3, generator: &generator).save(to: directory + "/small.safetensors")
        try Dense(inputCount: 4, outputCount: 5, generator: &generator).load(from: directory + "/small.safetensors")
    },
    "dtype": {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
        let padded = header + String(repeating: " ", count: 128 - 10 - header.count - 1) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.utf8.count), 0] + Array(padded.utf8)
        bytes += [UInt8](repeating: 0, count: 16)
        let path = directory + "/float64.npy"
        let file = fopen(path, "wb")!
        fwrite(bytes, 1, bytes.count, file)
        fclose(file)
        _ = try NumPyArray(contentsOf: path)
    },
]

let name = CommandLine.arguments.dropFirst().first ?? ""
guard let mistake = mistakes[name] else {
    print("usage: lars-mistakes <case>; cases: \(mistakes.keys.sorted().joined(separator: ", "))")
    exit(2)
}
// Printed before the mistake, unflushed: the trap must not lose it.
print("before the mistake: \(name)")
do {
    try mistake()
    print("no error")
} catch {
    print("error: \(error)")
    exit(1)
}
