/// How a `Trainer` is set up: the built-in model's initializer, and the parts the designated
/// initializer (`Trainer.swift`) puts together.
extension Trainer {
    /// Sets up a run of the built-in model `configuration.model` (`ModelFactory`): see
    /// `init(configuration:model:trainSet:testSet:group:plan:)`.
    /// - Parameters:
    ///   - configuration: the run's settings; `model` names a built-in model (`ModelKind`).
    ///   - trainSet: the training images (square), of which the validation split is held out.
    ///   - testSet: the held-out images the run evaluates, of the same size.
    ///   - group: the processes of the run; one process unless under MPI.
    ///   - plan: the run's plan when the caller resolved it first; `nil`: resolved here.
    /// - Throws: `TrainingError.invalidConfiguration` for images that are not square, and as the
    ///   designated initializer does.
    public convenience init(
        configuration: TrainingConfiguration, trainSet: ImageDataset, testSet: ImageDataset,
        group: any ProcessGroup = SingleProcessGroup(), plan: TrainingPlan? = nil
    ) throws {
        guard trainSet.height == trainSet.width else {
            throw TrainingError.invalidConfiguration("the built-in models take square images, got \(trainSet.height)x\(trainSet.width)")
        }
        try self.init(
            configuration: configuration,
            model: { generator in
                try ModelFactory.make(
                    configuration, channels: trainSet.channels, imageSize: trainSet.height, classes: trainSet.classCount,
                    generator: &generator)
            }, trainSet: trainSet, testSet: testSet, group: group, plan: plan)
    }

    /// `plan`, or the plan resolved from `configuration` on `group`'s processes, checked to
    /// describe this configuration on these processes.
    static func checkedPlan(
        _ plan: TrainingPlan?, _ configuration: TrainingConfiguration, group: any ProcessGroup
    ) throws -> TrainingPlan {
        let plan = try plan ?? TrainingPlan(resolving: configuration, processes: group.size)
        guard plan.processes == group.size, plan.microBatches * plan.microBatchSize == configuration.batchSize else {
            throw TrainingError.invalidConfiguration(
                "the plan (\(plan.microBatches) x \(plan.microBatchSize) images on \(plan.processes) process(es)) is not one of batch \(configuration.batchSize) on \(group.size)")
        }
        return plan
    }

    /// The training images less the validation split, and the split; throws when the test
    /// images are of another shape.
    static func splitData(
        _ fullTrainSet: ImageDataset, testSet: ImageDataset, _ configuration: TrainingConfiguration
    ) throws -> (train: ImageDataset, validation: ImageDataset?) {
        let (trainSet, validationSet) = try fullTrainSet.holdingOut(last: configuration.validationCount)
        guard trainSet.channels == testSet.channels, trainSet.height == testSet.height, trainSet.width == testSet.width else {
            throw TrainingError.invalidConfiguration(
                "training images are \(trainSet.channels)x\(trainSet.height)x\(trainSet.width), test images \(testSet.channels)x\(testSet.height)x\(testSet.width)")
        }
        return (trainSet, validationSet)
    }

    /// Where the kernels of a run of `plan` run.
    static func makeContext(_ configuration: TrainingConfiguration, _ plan: TrainingPlan) -> ExecutionContext {
        ExecutionContext(
            backend: ModelFactory.backend(configuration.backend, threads: plan.threadsPerReplica), isTraining: true,
            threads: configuration.threads, convolutionEngine: plan.convolutionEngine,
            oneDNNNormalizationAndPooling: plan.oneDNNNormalizationAndPooling)
    }

    /// The loader of this rank's shares of `plan`'s micro-batches, shuffled and augmented as
    /// `plan.augmentation` says; throws when an epoch holds less than one step.
    static func makeLoader(
        _ trainSet: ImageDataset, _ configuration: TrainingConfiguration, _ plan: TrainingPlan,
        normalization: Normalization, group: any ProcessGroup
    ) throws -> BatchLoader {
        let loader = BatchLoader(
            dataset: trainSet,
            options: BatchOptions(
                batchSize: plan.microBatchSize, shuffle: true, seed: configuration.seed,
                dropLast: configuration.dropLast, augmentation: plan.augmentation ?? .none, normalization: normalization,
                limit: configuration.trainLimit, rank: group.rank, worldSize: group.size, prefetch: true,
                threads: 1))
        guard loader.batchesPerEpoch >= plan.microBatches else {
            throw TrainingError.invalidConfiguration(
                "an epoch of \(loader.sampleCount) images holds fewer than one step of \(configuration.batchSize) images")
        }
        return loader
    }

    /// The model (its parameters bound to one store) and what runs it: the model itself, or a
    /// `DataParallel` of it and `plan.replicas - 1` replicas, each made from the generator's
    /// state before the model, so that all start equal. `generator` is left after the model.
    static func makeNetwork(
        _ plan: TrainingPlan, _ makeModel: (inout SeededGenerator) throws -> any Layer, generator: inout SeededGenerator
    ) throws -> (model: any Layer, store: ParameterStore, network: any Layer) {
        let initialGenerator = generator
        let model = try makeModel(&generator)
        let store = model.bindParameters()  // the built-in models are bound already
        guard plan.replicas > 1 else { return (model, store, model) }
        var replicas: [any Layer] = [model]
        for _ in 1..<plan.replicas {
            var replicaGenerator = initialGenerator
            replicas.append(try makeModel(&replicaGenerator))
        }
        return (model, store, DataParallel(replicas: replicas))
    }
}
