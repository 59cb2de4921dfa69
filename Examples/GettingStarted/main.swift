import SwiftLARS

// Your images: `train/<class>/*.png` and `test/<class>/*.png`, all of one size.
let arguments = CommandLine.arguments.dropFirst()
let folder = arguments.first ?? "my-images"
let output = arguments.dropFirst().first ?? "runs/my-images"
let trainSet = try ImageFolder.load(root: folder, split: .train)
let testSet = try ImageFolder.load(root: folder, split: .test)
let (channels, height, width) = (trainSet.channels, trainSet.height, trainSet.width)

/// A small convolutional network for the folder's images, its weights drawn from `generator`.
func makeModel(_ generator: inout SeededGenerator) -> Sequential {
    Sequential([
        ("conv", Conv2D(inputChannels: channels, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator)),
        ("relu", ReLU()),
        ("pool", MaxPool2D(kernelSize: 2)),
        ("flatten", Flatten()),
        ("fc", Dense(inputCount: 8 * (height / 2) * (width / 2), outputCount: trainSet.classCount, generator: &generator)),
    ])
}

var configuration = TrainingConfiguration()  // LARS, polynomial decay; no augmentation for your data
configuration.model = "folder-cnn"          // names the model in the logs and checkpoints
configuration.epochs = 6
configuration.batchSize = 32
configuration.learningRate = 1
configuration.outputDirectory = output
let trainer = try Trainer(
    configuration: configuration, model: { generator in makeModel(&generator) }, trainSet: trainSet, testSet: testSet)
trainer.overwrite = true                     // replace an earlier run in `output` (default: refuse)
let summary = try trainer.run()              // prints a header, each epoch, and the files written
print("trained \(summary.epochs.count) epoch(s); wrote \(summary.filesWritten.count) file(s)")

var generator = SeededGenerator(seed: 0)     // the weights come from the file
let best = try TrainedModel.load(from: trainer.files.best, into: makeModel(&generator))
let prediction = try best.predict(on: testSet, top: 1)  // normalised as in training
let correct = zip(prediction.classes, testSet.labels).filter { $0 == $1 }.count
print("best checkpoint, epoch \(best.epoch ?? 0): \(correct) of \(testSet.count) test images right")
print("the first test image is \(testSet.classNames?[prediction.classes[0]] ?? "class \(prediction.classes[0])")")

let exported = output + "/folder-cnn.pytorch.safetensors"
try best.model.exportPyTorchStateDict(to: exported)
print("PyTorch state_dict: \(exported)")
