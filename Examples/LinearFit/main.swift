// lars-fit: a user's program built on swift-lars's public API alone. It fits a linear model by
// least squares (LAPACK sgels through Tensor.leastSquares) and a logistic regression by
// gradient descent (matrix products through the BLAS), on synthetic data with known
// coefficients, and prints what it recovered next to the truth.
//
// Usage: lars-fit [--blas-info] [--blas-threads N] [--seed N]

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SwiftLARS

/// `x` with `digits` decimals, padded to `width` characters.
func format(_ x: Float, _ digits: Int = 3, width: Int = 8) -> String {
    let scale = Float(pow(10, Double(digits)))
    var text = "\((x * scale).rounded() / scale)"
    if text == "-0.0" { text = "0.0" }
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

/// Prints estimated coefficients beside the true ones.
func report(_ names: [String], truth: [Float], estimate: [Float]) {
    print("  coefficient     true  estimated")
    for i in names.indices {
        let name = names[i] + String(repeating: " ", count: max(0, 11 - names[i].count))
        print("  \(name) \(format(truth[i])) \(format(estimate[i], width: 10))")
    }
}

// First thing: make OpenBLAS run its best kernel for this CPU, and say which one it runs.
var blas = BLASRuntime.useBestCore()

let usage = "usage: lars-fit [--blas-info] [--blas-threads N] [--seed N]"
var seed: UInt64 = 2017
var showBLASInfo = false
var arguments = Array(CommandLine.arguments.dropFirst()).makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--blas-info":
        showBLASInfo = true
    case "--blas-threads":
        guard let value = arguments.next().flatMap({ Int($0) }), value >= 1 else {
            print("\(usage)\n--blas-threads needs a positive number")
            exit(2)
        }
        BLASRuntime.setThreads(value)
        blas.threads = BLASRuntime.threads
    case "--seed":
        guard let value = arguments.next().flatMap({ UInt64($0) }) else {
            print("\(usage)\n--seed needs a non-negative integer")
            exit(2)
        }
        seed = value
    default:
        print("\(usage)\nunexpected argument \(argument)")
        exit(2)
    }
}
if showBLASInfo {
    print(blas.description)
    exit(0)
}
print(blas.summary)
var generator = SeededGenerator(seed: seed)

// 1. Linear least squares: y = X w + b + noise.
do {
    let samples = 500
    let truth: [Float] = [1.5, -2.0, 0.5, 3.0]
    let intercept: Float = 0.7
    let features = Tensor(normal: [samples, truth.count], generator: &generator)
    // Design matrix with a column of ones for the intercept.
    var design = Tensor(ones: [samples, truth.count + 1])
    for i in 0..<samples { for j in 0..<truth.count { design[i, j] = features[i, j] } }
    let noise = Tensor(normal: [samples], standardDeviation: 0.05, generator: &generator)
    let y = Tensor.matmul(features, Tensor(shape: [truth.count, 1], scalars: truth)).reshaped([samples]) + intercept + noise
    let estimate = try Tensor.leastSquares(design, y)
    let residual = Tensor.matmul(design, estimate.reshaped([truth.count + 1, 1])).reshaped([samples]) - y
    print("\nLinear least squares (sgels), \(samples) samples, noise sd 0.05:")
    report(["w1", "w2", "w3", "w4", "intercept"], truth: truth + [intercept], estimate: estimate.scalars)
    print("  residual RMS \(format(residual.norm() / Float(samples).squareRoot(), 4))")
} catch {
    print("least squares failed: \(error)")
    exit(1)
}

// 2. Logistic regression by full-batch gradient descent on the mean cross-entropy.
do {
    let samples = 4000
    let truth: [Float] = [2.0, -1.0, 0.5]
    let intercept: Float = -0.3
    let x = Tensor(normal: [samples, truth.count], generator: &generator)
    let trueLogits = Tensor.matmul(x, Tensor(shape: [truth.count, 1], scalars: truth)).reshaped([samples]) + intercept
    let labels = trueLogits.map { logit in generator.nextUnitFloat() < 1 / (1 + Float(exp(Double(-logit)))) ? 1 : 0 }

    var weights = Tensor(zeros: [truth.count, 1])
    var bias: Float = 0
    let learningRate: Float = 1.0
    var loss: Float = 0
    for step in 0...1500 {
        let logits = Tensor.matmul(x, weights).reshaped([samples]) + bias
        let probabilities = logits.map { 1 / (1 + Float(exp(Double(-$0)))) }
        let error = probabilities - labels
        // dLoss/dw = X^T (p - y) / n, dLoss/db = mean(p - y).
        let gradient = Tensor.matmul(x, error.reshaped([samples, 1]), transposeA: true) / Float(samples)
        weights -= learningRate * gradient
        bias -= learningRate * error.mean()
        if step % 500 == 0 || step == 1500 {
            var total: Double = 0
            for i in 0..<samples {
                let p = Double(min(max(probabilities.scalars[i], 1e-7), 1 - 1e-7))
                total -= labels.scalars[i] == 1 ? log(p) : log(1 - p)
            }
            loss = Float(total / Double(samples))
        }
    }
    let predictions = (Tensor.matmul(x, weights).reshaped([samples]) + bias).map { $0 > 0 ? 1 : 0 }
    let accuracy = 1 - (predictions - labels).map { abs($0) }.mean()
    print("\nLogistic regression (gradient descent, 1500 steps), \(samples) samples:")
    report(["w1", "w2", "w3", "intercept"], truth: truth + [intercept], estimate: weights.scalars + [bias])
    print("  mean cross-entropy \(format(loss, 4)), training accuracy \(format(accuracy * 100, 1))%")
}
