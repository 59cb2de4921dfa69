/// Class probabilities of a batch and the most likely classes of each image.
public struct Prediction: Sendable {
    /// `[N, K]` softmax probabilities: each row is non-negative and sums to 1.
    public var probabilities: Tensor
    /// For each of the `N` images, the `k` most likely classes, most likely first (ties: the
    /// lower class index first).
    public var topClasses: [[Int]]

    /// The probabilities `[N, K]` of `logits` `[N, K]` and each row's `k` most likely classes.
    /// The softmax subtracts each row's largest logit first, so large logits do not overflow.
    public init(logits: Tensor, top k: Int = 1) {
        guard logits.rank == 2, logits.shape[1] > 0 else { fatalError("Prediction: expected logits [N, K], got \(logits.shape)") }
        let (n, classes) = (logits.shape[0], logits.shape[1])
        var probabilities = logits
        var top: [[Int]] = []
        top.reserveCapacity(n)
        probabilities.withUnsafeMutableBufferPointer { p in
            for row in 0..<n {
                let r = p.baseAddress! + row * classes
                var largest = r[0]
                for j in 1..<classes where r[j] > largest { largest = r[j] }
                var sum: Double = 0
                for j in 0..<classes {
                    r[j] = Float(_exp(Double(r[j] - largest)))
                    sum += Double(r[j])
                }
                let inverse = Float(1 / sum)
                for j in 0..<classes { r[j] *= inverse }
                let order = (0..<classes).sorted { r[$0] > r[$1] || (r[$0] == r[$1] && $0 < $1) }
                top.append(Array(order.prefix(min(max(k, 0), classes))))
            }
        }
        self.probabilities = probabilities
        self.topClasses = top
    }

    /// The most likely class of each image.
    public var classes: [Int] { topClasses.map { $0.first ?? 0 } }
}

/// An input whose shape a model cannot take, with the layer's message
/// (`conv1 (Conv2D): expected input [N, 3, H, W], got [8, 1, 28, 28]`).
public struct LayerInputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message naming the layer, the expected and the received shape.
    public let message: String
    /// Wraps a `validateInput(shape:)` message.
    public init(message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

extension Layer {
    /// Class probabilities and the `top` most likely classes of `images` (`[N, ...]`, already
    /// normalised as in training), computed in evaluation mode (`context.evaluating`: running
    /// BatchNorm statistics, no dropout) so the model's state is left as it was.
    /// - Throws: `LayerInputError` when `images` does not fit the model's first layer.
    public func predict(_ images: Tensor, top k: Int = 1, context: ExecutionContext = ExecutionContext()) throws -> Prediction {
        if let message = validateInput(shape: images.shape) { throw LayerInputError(message: message) }
        let logits = forward(images, context: context.evaluating)
        guard logits.rank == 2 else {
            throw LayerInputError(message: "\(layerDescription): predict needs logits [N, K], the model returned \(logits.shape)")
        }
        return Prediction(logits: logits, top: k)
    }
}
