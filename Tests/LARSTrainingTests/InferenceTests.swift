import Foundation
import SwiftLARS
import Testing

/// `predict`, `evaluate` and `summary` on any model.
@Suite struct InferenceTests {
    @Test("Prediction: softmax probabilities of known logits, top classes with ties by index, no overflow")
    func softmaxValues() {
        let p = Prediction(logits: Tensor(shape: [2, 3], scalars: [0, Float(log(3.0)), 0, 1000, 1000, -1000]), top: 2)
        let expected: [Float] = [0.2, 0.6, 0.2, 0.5, 0.5, 0]
        for (a, b) in zip(p.probabilities.scalars, expected) { #expect(abs(a - b) < 1e-6) }
        #expect(p.topClasses == [[1, 0], [0, 1]] && p.classes == [1, 0])
    }

    @Test("predict runs in evaluation mode, leaves BatchNorm's running statistics alone, and refuses a wrong shape naming the layer")
    func predictOnTensor() throws {
        let model = ModelStateTests.trainedModel(seed: 1)
        let before = model.stateTensors.map(\.1)
        let prediction = try model.predict(ModelStateTests.input, top: 3)
        #expect(model.stateTensors.map(\.1) == before)
        for row in 0..<3 {
            let sum = (0..<5).reduce(Float(0)) { $0 + prediction.probabilities.scalars[row * 5 + $1] }
            #expect(abs(sum - 1) < 1e-5)
        }
        let logits = model.forward(ModelStateTests.input, context: ExecutionContext(isTraining: false, threads: 1))
        #expect(prediction.classes == (0..<3).map { row in (0..<5).max { logits[row, $0] < logits[row, $1] }! })
        #expect(throws: LayerInputError.self) { try model.predict(Tensor(zeros: [1, 3, 5, 5])) }
        do {
            _ = try model.predict(Tensor(zeros: [1, 3, 5, 5]))
        } catch {
            #expect("\(error)".hasPrefix("conv1 (Conv2D): expected input"), "\(error)")
        }
    }

    @Test("evaluate(on:) of the trained model equals the trainer's own evaluation; predict(on:) agrees with its accuracy")
    func evaluateMatchesTrainer() throws {
        let trainer = try Trainer(
            configuration: quickConfiguration(output: temporaryDirectory("eval"), epochs: 1),
            trainSet: syntheticImages(count: 128, seed: 1), testSet: syntheticImages(count: 70, seed: 2))
        trainer.printsProgress = false
        trainer.writesCheckpoints = false
        _ = try trainer.run()
        let reference = try trainer.evaluate()
        let result = try trainer.model.evaluate(on: trainer.testSet, normalization: trainer.normalization, batchSize: 32)
        #expect(result.count == 70)
        #expect(abs(result.loss - reference.loss) < 1e-5 && abs(result.accuracy - reference.accuracy) < 1e-12)
        let prediction = try trainer.model.predict(on: trainer.testSet, normalization: trainer.normalization, top: 2, batchSize: 32)
        #expect(prediction.probabilities.shape == [70, 4] && prediction.topClasses.count == 70)
        let correct = zip(prediction.classes, trainer.testSet.labels).filter { $0 == $1 }.count
        #expect(Double(correct) / 70 == result.accuracy)
        let wrongNormalization = Normalization(mean: [0, 0, 0], standardDeviation: [1, 1, 1])
        #expect(throws: LayerInputError.self) { try trainer.model.evaluate(on: trainer.testSet, normalization: wrongNormalization) }
    }

    @Test("summary lists each layer's name, type, output shape, parameter count and LARS group")
    func summaryTable() throws {
        let summary = try ModelStateTests.model(seed: 1).summary(inputShape: [1, 2, 5, 5])
        let expected: [ModelSummary.Row] = [
            .init(name: "conv1", type: "Conv2D", outputShape: [1, 3, 5, 5], parameterCount: 57, groups: ["adapted", "excluded"], depth: 0),
            .init(name: "bn1", type: "BatchNorm", outputShape: [1, 3, 5, 5], parameterCount: 6, groups: ["excluded"], depth: 0),
            .init(name: "relu1", type: "ReLU", outputShape: [1, 3, 5, 5], parameterCount: 0, groups: [], depth: 0),
            .init(name: "conv2", type: "Conv2D", outputShape: [1, 4, 2, 2], parameterCount: 112, groups: ["adapted", "excluded"], depth: 0),
            .init(name: "flatten", type: "Flatten", outputShape: [1, 16], parameterCount: 0, groups: [], depth: 0),
            .init(name: "fc", type: "Dense", outputShape: [1, 5], parameterCount: 85, groups: ["adapted", "excluded"], depth: 0),
        ]
        #expect(summary.rows == expected)
        #expect(summary.parameterCount == 260 && summary.adaptedCount == 54 + 108 + 80)
        let text = summary.description
        #expect(text.contains("260 parameters: 242 adapted by LARS (trust ratio, weight decay), 18 excluded"), "\(text)")
        #expect(throws: LayerInputError.self) { try ModelStateTests.model(seed: 1).summary(inputShape: [1, 3, 5, 5]) }
    }
}
