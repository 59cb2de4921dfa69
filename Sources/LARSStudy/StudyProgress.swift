import LARSTraining

/// Estimates a study's remaining time from the training images processed so far in this
/// session per second of wall time (start-up and evaluation included), times the images left.
public struct StudyProgress: Sendable {
    /// Training images the study still has to process (all pending runs' remaining epochs).
    public private(set) var remainingImages: Int
    /// Images processed in this session.
    public private(set) var processedImages = 0
    /// When this session started, monotonic seconds.
    public let start: Double

    /// A progress tracker for `remainingImages` images, started at `start` seconds.
    public init(remainingImages: Int, start: Double = monotonicSeconds()) {
        self.remainingImages = remainingImages
        self.start = start
    }

    /// Records `images` more images processed.
    public mutating func add(images: Int) {
        processedImages += images
        remainingImages = max(0, remainingImages - images)
    }

    /// Removes `images` from the work left without counting them processed (a run that
    /// diverged or failed early will not do its remaining epochs).
    public mutating func drop(images: Int) {
        remainingImages = max(0, remainingImages - images)
    }

    /// Seconds left at the rate so far, or nil before anything was processed.
    public func secondsLeft(now: Double = monotonicSeconds()) -> Double? {
        let elapsed = now - start
        guard processedImages > 0, elapsed > 0 else { return nil }
        return Double(remainingImages) / (Double(processedImages) / elapsed)
    }

    /// `study: about 12:34 left (45,000 of 1,320,000 images to go)`, or nil before any estimate.
    public func line(now: Double = monotonicSeconds()) -> String? {
        secondsLeft(now: now).map { "study: about \(formatDuration($0)) left (\(remainingImages) images to go)" }
    }
}

/// The epoch number of a lars-train epoch summary line (`epoch 2/6  train loss ...`), or nil.
public func completedEpoch(inLine line: String) -> Int? {
    guard line.hasPrefix("epoch "), line.contains("train loss") else { return nil }
    let word = line.dropFirst(6).prefix { $0 != "/" }
    return Int(word)
}
