/// The memory check made before a run's first step.
extension Trainer {
    /// Checks that `makeModel`'s model fits the data (`checkModel`), estimates a step's peak
    /// memory (`MemoryEstimate`) on throwaway models and refuses a
    /// configuration whose estimate exceeds the machine's memory, naming both and the largest
    /// micro-batch that would fit.
    static func estimateMemory(
        _ plan: TrainingPlan, trainSet: ImageDataset, context: ExecutionContext,
        makeModel: (inout SeededGenerator) throws -> any Layer
    ) throws -> MemoryEstimate {
        var probeGenerator = SeededGenerator(seed: 0)
        let probe = try makeModel(&probeGenerator)
        try checkModel(probe, trainSet: trainSet)
        let parameters = probe.parameterCount
        let (perImage, workspace) = try MemoryEstimate.measure(
            shape: [trainSet.channels, trainSet.height, trainSet.width], context: context
        ) {
            var throwaway = SeededGenerator(seed: 0)
            return try makeModel(&throwaway)
        }
        // Values and gradients of every further replica, and up to two optimizer slots (Adam).
        let copies = 2 * (plan.replicas - 1) + 2
        let estimate = MemoryEstimate(
            bytesPerImage: perImage, imagesPerPass: (plan.microBatchSize + plan.processes - 1) / plan.processes,
            residentBytes: MemoryEstimate.residentBytes(), stateBytes: parameters * 4 * copies + workspace)
        if let machine = MemoryEstimate.machineBytes(), estimate.peakBytes > machine {
            throw TrainingError.invalidConfiguration(
                "a step of \(estimate.imagesPerPass) images per pass needs about \(formatBytes(estimate.peakBytes)) "
                    + "(\(formatBytes(perImage)) per image), more than this machine's \(formatBytes(machine)); "
                    + "--micro-batch \(max(1, estimate.imagesFitting(in: machine))) or less fits, with the same batch size")
        }
        return estimate
    }

    /// Refuses a model that does not take the data's images (its `validateInput`, naming the
    /// layer), whose parameter and buffer names collide (they key every checkpoint), or that does
    /// not give one score per class, before training. A shape mismatch deeper inside the model
    /// stops the blank-image pass here, with the layer's message, rather than after an epoch.
    static func checkModel(_ model: any Layer, trainSet: ImageDataset) throws {
        let shape = [1, trainSet.channels, trainSet.height, trainSet.width]
        do {
            try model.validateNames()
        } catch let error as LayerNamingError {
            throw TrainingError.invalidConfiguration("the model's tensor names would collide: \(error)")
        }
        if let problem = model.validateInput(shape: shape) {
            throw TrainingError.invalidConfiguration("the model does not take the data's images: \(problem)")
        }
        let names = model.namedParameters.map(\.name) + model.namedBuffers.map(\.name)
        var seen = Set<String>()
        if let duplicate = names.first(where: { !seen.insert($0).inserted }) {
            throw TrainingError.invalidConfiguration(
                "two tensors of the model are both named '\(duplicate)'; a container must give its children distinct paths (Sequential does)")
        }
        var evaluation = ExecutionContext(backend: OpenBLASBackend(), isTraining: false, threads: 1)
        evaluation.isTraining = false
        let output = try probeOutputShape(model, input: shape, context: evaluation)
        guard output == [1, trainSet.classCount] else {
            throw TrainingError.invalidConfiguration(
                "the model maps an image of \(shape.dropFirst().map(String.init).joined(separator: "x")) to shape \(output), but the data has \(trainSet.classCount) classes: its output must be [N, \(trainSet.classCount)]")
        }
    }

    /// The shape `layer` maps a blank input of `shape` to, found by running it; a `Sequential` is
    /// walked child by child, each checked (`validateInput`) before it runs, so a layer that
    /// refuses the shape of what reaches it, however deep, is named in a thrown error instead of
    /// stopping the process. (A user's own container is run whole: layers inside it that check
    /// their input in `forward` still stop the process.)
    static func probeOutputShape(_ layer: any Layer, input shape: [Int], context: ExecutionContext) throws -> [Int] {
        if let problem = layer.validateInput(shape: shape) {
            throw TrainingError.invalidConfiguration("the model does not take the data's images: \(problem)")
        }
        if let sequential = layer as? Sequential {
            var current = shape
            for child in sequential.sublayers {
                current = try probeOutputShape(child.layer, input: current, context: context)
            }
            return current
        }
        return layer.forward(Tensor(zeros: shape), context: context).shape
    }
}
