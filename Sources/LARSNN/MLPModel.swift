extension Models {
    /// A two-layer perceptron without BatchNorm: `flatten`, `fc1` dense `inputCount -> hidden`
    /// + ReLU, `fc2` dense `hidden -> classes`. Input `[N, ...]` with `inputCount` values per
    /// sample, output `[N, classes]`. Every sample's gradient is independent of the others, so
    /// cutting a batch into micro-batches changes nothing but the order of sums: the model the
    /// micro-batch equivalence tests use, and a quick baseline on image data. Both dense layers
    /// take PyTorch's default scale, so the first loss is near ln(classes).
    public static func mlp(
        inputCount: Int, hidden: Int = 128, classes: Int = 10, generator: inout SeededGenerator
    ) -> Sequential {
        let layers: [(String, any Layer)] = [
            ("flatten", Flatten()),
            ("fc1", Dense(inputCount: inputCount, outputCount: hidden, weightInitializer: .pytorchDefault, generator: &generator)),
            ("relu1", ReLU()),
            ("fc2", Dense(inputCount: hidden, outputCount: classes, weightInitializer: .pytorchDefault, generator: &generator)),
        ]
        let model = Sequential(layers)
        model.bindParameters()  // one flat store: one-call gradient sums and zeroing
        return model
    }
}
