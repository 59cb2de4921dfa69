/// The closed choices of a `TrainingConfiguration`: the optimizer, schedule, kernel backend and
/// built-in model, and the conformances that make the library's own enums (data sets, LARS's
/// denominator, momentum placement, the non-finite policy) choices too.

/// The optimizer of a run (`OptimizerFactory`). Declared in the order the study's tables use.
public enum OptimizerKind: String, ConfigurationChoice, Comparable {
    /// SGD with momentum.
    case sgd
    /// LARS (You, Gitman & Ginsburg 2017).
    case lars
    /// LAMB (You et al. 2019).
    case lamb
    /// AdamW (Loshchilov & Hutter 2019).
    case adamw

    /// The help line.
    public var summary: String {
        switch self {
        case .sgd: return "SGD with momentum"
        case .lars: return "layer-wise adaptive rate scaling (You, Gitman & Ginsburg 2017)"
        case .lamb: return "layer-wise adaptive moments (You et al. 2019)"
        case .adamw: return "Adam with decoupled weight decay (Loshchilov & Hutter 2019)"
        }
    }

    /// Orders as declared (SGD first, as the paper's tables do).
    public static func < (a: OptimizerKind, b: OptimizerKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The learning-rate decay after warm-up (`ScheduleFactory`).
public enum ScheduleKind: String, ConfigurationChoice {
    /// Polynomial decay to the final rate.
    case poly
    /// Cosine decay to the final rate.
    case cosine
    /// A factor every `decayEpochs` epochs.
    case step
    /// A factor at each of the `decayEpochs` milestones.
    case multistep
    /// The peak rate throughout.
    case constant

    /// The help line.
    public var summary: String {
        switch self {
        case .poly: return "polynomial decay to --min-lr (power --poly-power)"
        case .cosine: return "cosine decay to --min-lr"
        case .step: return "multiply by --decay-rate every --decay-epochs epochs"
        case .multistep: return "multiply by --decay-rate at each --decay-epochs milestone"
        case .constant: return "the peak rate throughout"
        }
    }
}

/// The `KernelBackend` that runs a run's `gemm` and vector kernels (`ModelFactory.backend`).
public enum BackendKind: String, ConfigurationChoice {
    /// OpenBLAS (`OpenBLASBackend`).
    case openblas
    /// This package's tuned Swift kernels (`SwiftBackend`, `.tuned`).
    case swift
    /// The naive Swift reference kernels (`SwiftBackend`, `.naive`).
    case swiftNaive = "swift-naive"

    /// The help line.
    public var summary: String {
        switch self {
        case .openblas: return "OpenBLAS"
        case .swift: return "this package's tuned Swift kernels"
        case .swiftNaive: return "the naive Swift reference kernels"
        }
    }
}

/// The built-in models (`ModelFactory`).
public enum ModelKind: String, ConfigurationChoice {
    /// The small CNN of the default run.
    case smallCNN = "small-cnn"
    /// Two dense layers, no BatchNorm.
    case mlp
    /// ResNet-20 for CIFAR (He et al. 2016).
    case resnet20
    /// ResNet-32.
    case resnet32
    /// ResNet-44.
    case resnet44
    /// ResNet-56.
    case resnet56

    /// The help line.
    public var summary: String {
        switch self {
        case .smallCNN: return "a small CNN (the default run)"
        case .mlp: return "two dense layers, no BatchNorm"
        default: return "CIFAR ResNet of depth \(resNetDepth!)"
        }
    }

    /// The depth of a ResNet, `nil` for the others.
    public var resNetDepth: Int? { rawValue.hasPrefix("resnet") ? Int(rawValue.dropFirst("resnet".count)) : nil }
}

extension DatasetKind: ConfigurationChoice {
    /// The help line.
    public var summary: String {
        switch self {
        case .fashionMNIST: return "Fashion-MNIST (Debian's dataset-fashion-mnist)"
        case .mnist: return "MNIST digits (IDX files)"
        case .cifar10: return "CIFAR-10, binary version"
        case .cifar100: return "CIFAR-100, fine labels"
        case .cifar100Coarse: return "CIFAR-100, coarse labels"
        case .npy: return "x_train/y_train/x_test/y_test .npy files, or one .npz"
        case .folder: return "PNG images in train/<class>/ and test/<class>/"
        }
    }
}

extension LARS.Denominator: ConfigurationChoice {
    /// The help line.
    public var summary: String {
        switch self {
        case .paper: return "||g|| + wd ||w|| (paper, MLPerf, timm)"
        case .updateNorm: return "||g + wd w|| (TF, optax)"
        }
    }
}

extension MomentumPlacement: ConfigurationChoice {
    /// The help line.
    public var summary: String {
        switch self {
        case .insideMomentum: return "the rate inside the momentum buffer (paper, TF)"
        case .afterMomentum: return "the rate after the buffer (PyTorch, torchlars, timm)"
        }
    }
}

extension NonFiniteGradientPolicy: ConfigurationChoice {
    /// The help line.
    public var summary: String {
        switch self {
        case .throwError: return "stop, naming the parameter"
        case .skipStep: return "skip the step"
        case .unchecked: return "do not look (NaN then propagates)"
        }
    }
}
