extension ImageDataset {
    /// The data set cut in two: all images but the last `count`, and the last `count` as a
    /// held-out split (`nil` when `count` is 0). The two share no image, so a rate chosen on
    /// the held-out split never saw the images it is judged on.
    ///
    /// Throws `DatasetSplitError` when `count` is negative or leaves no image to train on.
    public func holdingOut(last count: Int) throws -> (remaining: ImageDataset, heldOut: ImageDataset?) {
        guard count > 0 else {
            if count < 0 { throw DatasetSplitError(dataset: name, problem: "cannot hold out \(count) images") }
            return (self, nil)
        }
        guard count < self.count else {
            throw DatasetSplitError(
                dataset: name, problem: "holding out \(count) of its \(self.count) images leaves none to train on")
        }
        let cut = self.count - count
        return (subset(0..<cut, name: name), subset(cut..<self.count, name: "\(name) (validation)"))
    }
}

/// A split of a data set that cannot be made, naming the data set and why.
public struct DatasetSplitError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The data set's name.
    public let dataset: String
    /// What is wrong with the split.
    public let problem: String

    /// A sentence naming the data set and the problem.
    public var description: String { "\(dataset): \(problem)" }
}
