// lars-folder-fit: a user's program that trains its own model on a folder of PNG images through
// swift-lars's public API alone: load `train/<class>/*.png` and `test/<class>/*.png`, print the
// model's summary, train it with LARS in a hand-written loop, evaluate it, save it, load it into
// a fresh model and check that the predictions agree.
//
// Usage: lars-folder-fit [--data DIR] [--epochs N] [--output FILE]
// Without --data it first writes a small synthetic folder (horizontal against vertical stripes,
// 16x16 RGB) to a temporary directory, so it runs anywhere.

#if canImport(Glibc)
import Glibc
#endif
import SwiftLARS

let usage = "usage: lars-folder-fit [--data DIR] [--epochs N] [--output FILE]"
var dataDirectory: String?
var epochs = 4
var output = "folder-fit.safetensors"
var arguments = Array(CommandLine.arguments.dropFirst()).makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--data": dataDirectory = arguments.next()
    case "--epochs":
        guard let value = arguments.next().flatMap({ Int($0) }), value > 0 else { print("\(usage)\n--epochs needs a positive number"); exit(2) }
        epochs = value
    case "--output": output = arguments.next() ?? output
    default: print("\(usage)\nunexpected argument \(argument)"); exit(2)
    }
}

/// `count` 16x16 RGB images of horizontal (class 0) or vertical (class 1) stripes with noise.
func stripes(count: Int, seed: UInt64) -> ImageDataset {
    var g = SeededGenerator(seed: seed)
    var pixels: [UInt8] = []
    var labels: [Int] = []
    for i in 0..<count {
        let label = i % 2
        let phase = g.nextInt(below: 4)
        for _ in 0..<3 {
            for y in 0..<16 {
                for x in 0..<16 {
                    let on = ((label == 0 ? y : x) + phase) % 4 < 2
                    pixels.append(UInt8(max(0, min(255, (on ? 170 : 60) + 50 * g.nextUnitFloat() - 25))))
                }
            }
        }
        labels.append(label)
    }
    return ImageDataset(name: "stripes", images: pixels, labels: labels, channels: 3, height: 16, width: 16,
                        classCount: 2, classNames: ["horizontal", "vertical"])
}

do {
    HeapTuning.keepLargeBlocksInHeap()  // Training allocates large blocks every step: keep them.
    let root: String
    if let dataDirectory {
        root = dataDirectory
    } else {
        root = "/tmp/lars-folder-fit-\(getpid())"
        try ImageFolder.write(stripes(count: 256, seed: 1), to: root + "/train")
        try ImageFolder.write(stripes(count: 128, seed: 2), to: root + "/test")
        print("wrote a synthetic image folder to \(root)")
    }
    let train = try ImageFolder.load(root: root, split: .train)
    let test = try ImageFolder.load(root: root, split: .test)
    print("\(train.count) training and \(test.count) test images of \(train.channels)x\(train.height)x\(train.width), classes \(train.classNames ?? [])")

    // The model: the user's own, not one of the built-in factories.
    var generator = SeededGenerator(seed: 42)
    let side = train.height / 2
    let model = Sequential([
        ("conv1", Conv2D(inputChannels: train.channels, outputChannels: 8, kernelSize: 3, padding: 1, bias: false, generator: &generator)),
        ("bn1", BatchNorm(featureCount: 8)),
        ("relu1", ReLU()),
        ("pool1", MaxPool2D(kernelSize: 2)),
        ("flatten", Flatten()),
        ("fc", Dense(inputCount: 8 * side * side, outputCount: train.classCount, generator: &generator)),
    ])
    print(try model.summary(inputShape: [1, train.channels, train.height, train.width]))

    let context = ExecutionContext(isTraining: true, threads: 2)
    let normalization = Normalization(computedFrom: train)
    let loader = BatchLoader(dataset: train, options: BatchOptions(batchSize: 32, seed: 7, dropLast: true, normalization: normalization))
    // LARS on the weights; biases and BatchNorm parameters excluded (grouped by kind).
    let optimizer = LARS(groups: ParameterGroup.byKind(model.namedParameters, weightDecay: 5e-4))
    let steps = epochs * loader.batchesPerEpoch
    for epoch in 0..<epochs {
        var lossSum = 0.0
        for batch in loader.epoch(epoch) {
            model.zeroGrad()
            let logits = model.forward(batch.images, context: context)
            let (loss, gradient) = softmaxCrossEntropy(logits: logits, labels: batch.labels)
            _ = model.backward(gradient, context: context)
            // Linear warm-up over the first epoch, then linear decay to zero.
            let step = Float(optimizer.stepCount), warmup = Float(loader.batchesPerEpoch)
            let rate: Float = 2 * (step < warmup ? (step + 1) / warmup : (Float(steps) - step) / (Float(steps) - warmup))
            _ = try optimizer.step(learningRate: rate, context: context)
            lossSum += Double(loss)
        }
        let result = try model.evaluate(on: test, normalization: normalization)
        print("epoch \(epoch + 1)/\(epochs): train loss \(lossSum / Double(loader.batchesPerEpoch)), test accuracy \(result.accuracy * 100) %")
    }

    try model.save(to: output, metadata: ["normalization": normalization.metadataString])
    var fresh = SeededGenerator(seed: 0)
    let reloaded = Sequential([
        ("conv1", Conv2D(inputChannels: train.channels, outputChannels: 8, kernelSize: 3, padding: 1, bias: false, generator: &fresh)),
        ("bn1", BatchNorm(featureCount: 8)),
        ("relu1", ReLU()),
        ("pool1", MaxPool2D(kernelSize: 2)),
        ("flatten", Flatten()),
        ("fc", Dense(inputCount: 8 * side * side, outputCount: train.classCount, generator: &fresh)),
    ])
    let metadata = try reloaded.load(from: output)
    let saved = Normalization(metadataString: metadata["normalization"] ?? "") ?? normalization
    let before = try model.predict(on: test, normalization: normalization, top: 1)
    let after = try reloaded.predict(on: test, normalization: saved, top: 1)
    print("saved \(output); the reloaded model's probabilities are \(before.probabilities == after.probabilities ? "identical" : "DIFFERENT")")
    let names = test.classNames ?? []
    print("first test images: " + after.classes.prefix(4).map { names.isEmpty ? "\($0)" : names[$0] }.joined(separator: ", ")
        + " (labels: " + test.labels.prefix(4).map { names.isEmpty ? "\($0)" : names[$0] }.joined(separator: ", ") + ")")
    exit(before.probabilities == after.probabilities ? 0 : 1)
} catch {
    print("lars-folder-fit: \(error)")
    exit(1)
}
