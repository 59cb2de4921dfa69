import LARSData

/// Checks of the training data that cost one pass over the labels, made before any model is
/// built: a data set that cannot train a classifier is an error, not a 100 % accuracy.
extension Trainer {
    /// Throws unless the training images hold at least two different labels.
    /// - Throws: `TrainingError.invalidConfiguration` naming the one class present.
    static func checkClasses(_ trainSet: ImageDataset) throws {
        guard let first = trainSet.labels.first else { return }  // an empty set is refused by its batch count
        guard trainSet.labels.contains(where: { $0 != first }) else {
            let name = trainSet.classNames.map { " ('\($0[first])')" } ?? ""
            throw TrainingError.invalidConfiguration(
                "every one of the \(trainSet.count) training images has label \(first)\(name): "
                    + "a classifier needs at least two classes to learn anything")
        }
    }
}

extension Trainer {
    /// Throws when a resumed checkpoint has already trained every epoch of this run: a run that
    /// trains nothing and reports nothing is an error, not a success.
    /// - Throws: `TrainingError.invalidConfiguration` naming the checkpoint and its epoch.
    public func checkEpochsLeft(resuming checkpoint: String) throws {
        guard completedEpochs < configuration.epochs else {
            throw TrainingError.invalidConfiguration(
                "\(checkpoint) has trained \(completedEpochs) of \(configuration.epochs) epochs: nothing is left to train; "
                    + "use its files as they are, or start a new run")
        }
    }
}
