/// The `conv` group: im2col/col2im, then each ResNet-20 convolution layer forward and backward.
enum ConvGroup {
    static func run(_ bench: BenchRunner) throws {
        try Im2ColGroup.run(bench)
        try ConvLayerGroup.run(bench)
    }
}
