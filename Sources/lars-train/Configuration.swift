import SwiftLARS

extension LarsTrain {
    /// The run's configuration from the flags, with the recipe's defaults where a flag is unset.
    func makeConfiguration(threads resolvedThreads: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.dataset = .builtIn(dataset)
        // Absolute and resolved: the checkpoint records it, and a resume from another working
        // directory, or through a link, names the same data.
        c.dataDirectory = dataDirectory.map { $0.isEmpty ? $0 : resolvedPath($0) }
        c.trainLimit = trainLimit
        c.testLimit = testLimit
        c.randomCrop = !noAugment
        c.horizontalFlip = !noAugment && !noFlip
        c.cropPadding = cropPadding ?? RecipeDefaults.cropPadding(.builtIn(dataset))
        c.dropLast = !keepLast
        c.model = .builtIn(model)
        setOptimizerAndSchedule(&c)
        c.batchSize = batchSize
        c.microBatches = microBatches
        c.microBatchLimit = microBatchLimit
        c.validationCount = validationCount
        c.divergenceFactor = divergenceFactor
        c.syncBatchNorm = syncBatchNorm
        c.zeroInitResidual = zeroInitResidual
        c.epochs = epochs ?? RecipeDefaults.epochs
        c.labelSmoothing = labelSmoothing
        c.seed = seed
        c.threads = resolvedThreads
        c.replicas = replicas
        c.backend = backend
        c.convolutionEngine = convolutionEngine
        c.oneDNNNormalizationAndPooling = oneDNNNormalizationAndPooling
        c.evalEvery = evalEvery
        c.outputDirectory = outputDirectory
        c.tensorBoard = tensorBoard
        return c
    }

    /// The optimizer, its variants and the learning-rate schedule from the flags, with the
    /// recipe's defaults where a flag is unset.
    func setOptimizerAndSchedule(_ c: inout TrainingConfiguration) {
        c.optimizer = optimizer
        c.learningRate = learningRate ?? Float(RecipeDefaults.learningRate(optimizer))
        c.scaleLearningRate = scaleLearningRate
        c.momentum = momentum
        c.weightDecay = weightDecay ?? Float(RecipeDefaults.weightDecay(optimizer))
        c.trustCoefficient = trustCoefficient
        c.epsilon = epsilon
        c.larsDenominator = larsDenominator
        c.nesterov = nesterov
        c.momentumPlacement = momentumPlacement
        c.larcClip = larcClip
        c.nonFinite = nonFinite
        c.excludeBiasAndNorm = !noExclude
        c.schedule = schedule
        c.warmupEpochs = warmupEpochs ?? RecipeDefaults.warmupEpochs
        c.polyPower = polyPower
        c.minLearningRate = minLearningRate
        c.decayEpochs = decayEpochs
        c.decayRate = decayRate
    }
}
