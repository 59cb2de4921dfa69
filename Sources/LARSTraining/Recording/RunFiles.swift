/// The files a training run writes into its output directory, and their columns.
public struct RunFiles: Sendable {
    /// The output directory.
    public let directory: String

    /// Names the files of a run in `directory`.
    public init(directory: String) { self.directory = directory }

    /// Per-epoch metrics (CSV).
    public var metrics: String { directory + "/metrics.csv" }
    /// Per-step loss and learning rate (CSV).
    public var steps: String { directory + "/steps.csv" }
    /// Per-layer trust-ratio telemetry (CSV).
    public var trustRatios: String { directory + "/trust_ratios.csv" }
    /// The self-contained HTML report with inline SVG charts.
    public var report: String { directory + "/report.html" }
    /// The latest checkpoint (safetensors).
    public var checkpoint: String { directory + "/checkpoint.safetensors" }

    /// The checkpoint of the epoch with the best held-out accuracy so far (the validation split's,
    /// else the test set's; safetensors).
    public var best: String { directory + "/best.safetensors" }

    /// How the run ended (`RunOutcome`, JSON), written when it stops.
    public var outcome: String { directory + "/outcome.json" }

    /// TensorBoard event files (`events.out.tfevents.*`, `TensorBoardEventFile`) are written
    /// here too, one per start of the run; their names carry the time and host.
    /// Validation loss and accuracy every few steps (CSV).
    public var validationSteps: String { directory + "/validation_steps.csv" }
    /// The first step at which validation accuracy reached each target (CSV).
    public var targets: String { directory + "/targets.csv" }

    /// Every file a run writes, in the order above.
    public var all: [String] { [metrics, steps, trustRatios, report, checkpoint, best, outcome, validationSteps, targets] }

    /// Columns of `metrics`.
    public static let metricsColumns = [
        "epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
        "learning_rate", "epoch_seconds", "images_per_second", "validation_loss", "validation_accuracy",
        "noise_scale",
    ]
    /// Columns of `validationSteps`.
    public static let validationStepColumns = ["step", "epoch", "validation_loss", "validation_accuracy"]
    /// Columns of `targets`: `step`, `epoch` and `images` are empty for a target never reached;
    /// `eval_every_steps` is the resolution of `step`.
    public static let targetColumns = ["target", "step", "epoch", "images", "validation_accuracy", "eval_every_steps"]
    /// Columns of `steps`.
    public static let stepColumns = ["step", "epoch", "learning_rate", "loss"]
    /// Columns of `trustRatios`.
    public static let trustRatioColumns = [
        "step", "parameter", "weight_norm", "grad_norm", "trust_ratio", "effective_learning_rate",
    ]
}
