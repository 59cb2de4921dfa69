/// The memory check made before a run's first step.
extension Trainer {
    /// Estimates a step's peak memory (`MemoryEstimate`) on a throwaway model and refuses a
    /// configuration whose estimate exceeds the machine's memory, naming both and the largest
    /// micro-batch that would fit.
    static func estimateMemory(
        _ configuration: TrainingConfiguration, trainSet: ImageDataset, context: ExecutionContext, processes: Int
    ) throws -> MemoryEstimate {
        let (perImage, workspace) = try MemoryEstimate.measure(
            shape: [trainSet.channels, trainSet.height, trainSet.width], context: context
        ) {
            var throwaway = SeededGenerator(seed: 0)
            return try ModelFactory.make(
                configuration, channels: trainSet.channels, imageSize: trainSet.height, classes: trainSet.classCount,
                generator: &throwaway)
        }
        var probeGenerator = SeededGenerator(seed: 0)
        let parameters = try ModelFactory.make(
            configuration, channels: trainSet.channels, imageSize: trainSet.height, classes: trainSet.classCount,
            generator: &probeGenerator
        ).parameterCount
        // Values and gradients of every further replica, and up to two optimizer slots (Adam).
        let copies = 2 * (configuration.resolvedReplicas - 1) + 2
        let estimate = MemoryEstimate(
            bytesPerImage: perImage, imagesPerPass: (configuration.microBatchSize + processes - 1) / processes,
            residentBytes: MemoryEstimate.residentBytes(), stateBytes: parameters * 4 * copies + workspace)
        if let machine = MemoryEstimate.machineBytes(), estimate.peakBytes > machine {
            throw TrainingError.invalidConfiguration(
                "a step of \(estimate.imagesPerPass) images per pass needs about \(formatBytes(estimate.peakBytes)) "
                    + "(\(formatBytes(perImage)) per image), more than this machine's \(formatBytes(machine)); "
                    + "--micro-batch \(max(1, estimate.imagesFitting(in: machine))) or less fits, with the same batch size")
        }
        return estimate
    }
}
