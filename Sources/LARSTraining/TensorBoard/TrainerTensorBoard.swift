/// The TensorBoard side of a training run's logs: the values of `metrics.csv`, `steps.csv` and
/// `trust_ratios.csv` as scalars, and the trust ratios of each step as a histogram, in an event
/// file beside the CSV files (`TrainingConfiguration.tensorBoard`).
///
/// The x axis is optimizer steps completed, `metrics.csv`'s `step`: a step's values stand at
/// `steps.csv`'s `step` + 1 (that column counts from 0), an epoch's at its last step. A
/// resumed run appends a new file to the directory whose steps continue from the checkpoint's.
extension Trainer {
    /// Tag of the histogram of the adapted layers' trust ratios, one per step.
    public static let trustRatioHistogramTag = "trust_ratio/all_layers"

    /// Opens a new event file in the run's directory (rank 0, when the configuration asks for
    /// one and epochs remain to train). A resumed run's file starts with a session-start event at
    /// its first new step, so that TensorBoard drops any events of the interrupted run past the
    /// checkpoint.
    func openTensorBoard() throws {
        eventFile = nil
        guard configuration.writesTensorBoard, completedEpochs < configuration.epochs else { return }
        let file = try TensorBoardEventFile(directory: files.directory)
        if step > 0 {
            file.append(TensorBoardEvent(wallTime: TensorBoardEventFile.now(), step: Int64(step + 1), content: .sessionStart))
            try file.flush()
        }
        eventFile = file
    }

    /// Queues one optimizer step's values: `step/loss`, `step/learning_rate`, and for each
    /// adapted parameter `weight_norm/NAME`, `grad_norm/NAME`, `trust_ratio/NAME`,
    /// `effective_learning_rate/NAME`, with the histogram of their trust ratios.
    func logStepToTensorBoard(_ report: StepReport, rate: Float, loss: Double) {
        guard let eventFile else { return }
        var values: [SummaryValue] = [.scalar("step/loss", Float(loss)), .scalar("step/learning_rate", rate)]
        let adapted = report.parameters.filter { trustRatioGroups.contains($0.group) }
        for record in adapted {
            values += [
                .scalar("weight_norm/" + record.name, record.weightNorm),
                .scalar("grad_norm/" + record.name, record.gradientNorm),
                .scalar("trust_ratio/" + record.name, record.trustRatio),
                .scalar("effective_learning_rate/" + record.name, record.effectiveLearningRate),
            ]
        }
        if !adapted.isEmpty {
            values.append(SummaryValue(tag: Self.trustRatioHistogramTag, kind: .histogram(Histogram(adapted.map(\.trustRatio)))))
        }
        eventFile.append(values, step: report.step + 1)
    }

    /// Writes the epoch's values (`epoch/COLUMN` for each column of `metrics.csv` but `step`;
    /// the held-out ones only when evaluated) and everything queued since the last epoch.
    /// Called after the checkpoint is written, so that the file never runs ahead of it.
    func logEpochToTensorBoard(_ m: EpochMetrics) throws {
        guard let eventFile else { return }
        var values: [SummaryValue] = [
            .scalar("epoch/epoch", Float(m.epoch)),
            .scalar("epoch/train_loss", Float(m.trainLoss)),
            .scalar("epoch/train_accuracy", Float(m.trainAccuracy)),
            .scalar("epoch/learning_rate", m.learningRate),
            .scalar("epoch/epoch_seconds", Float(m.seconds)),
            .scalar("epoch/images_per_second", Float(m.imagesPerSecond)),
        ]
        let heldOut: [(String, Double?)] = [
            ("test_loss", m.testLoss), ("test_accuracy", m.testAccuracy),
            ("validation_loss", m.validationLoss), ("validation_accuracy", m.validationAccuracy),
        ]
        for (column, value) in heldOut {
            if let value { values.append(.scalar("epoch/" + column, Float(value))) }
        }
        eventFile.append(values, step: m.step)
        try eventFile.flush()
    }
}
