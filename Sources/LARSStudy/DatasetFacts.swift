import LARSTraining

/// What a study needs to know about a data set before running anything: how many training
/// images it has (to estimate the remaining time) and how many classes (chance accuracy).
public struct DatasetFacts: Sendable, Equatable {
    /// Images in the training split.
    public let trainingImages: Int
    /// Classes; chance accuracy is 1 / classes.
    public let classes: Int

    /// The data sets a study can run: lars-train's built-in ones of known size.
    public static let names = DatasetKind.allCases.filter { DatasetFacts($0) != nil }.map(\.rawValue)

    /// The facts of the data set lars-train calls `name`, or nil for an unknown name.
    public init?(name: String) {
        guard let kind = DatasetKind(rawValue: name) else { return nil }
        self.init(kind)
    }

    /// The facts of `kind`, or nil for a user's data (`npy`, `folder`), whose size a study
    /// cannot know in advance.
    public init?(_ kind: DatasetKind) {
        switch kind {
        case .fashionMNIST, .mnist: (trainingImages, classes) = (60_000, 10)
        case .cifar10: (trainingImages, classes) = (50_000, 10)
        case .cifar100: (trainingImages, classes) = (50_000, 100)
        case .cifar100Coarse: (trainingImages, classes) = (50_000, 20)
        case .npy, .folder: return nil
        }
    }

    /// Test accuracy at or below which a finished run counts as collapsed: chance plus one point.
    public var collapseThreshold: Double { 1 / Double(classes) + 0.01 }

    /// Training images per epoch after holding out `validation` and capping at `limit`.
    public func imagesPerEpoch(validation: Int, limit: Int?) -> Int {
        let rest = max(0, trainingImages - validation)
        return limit.map { min($0, rest) } ?? rest
    }
}
