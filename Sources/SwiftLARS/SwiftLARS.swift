// The umbrella module: `import SwiftLARS` brings in tensors and kernels, layers, optimizers,
// data loading and training.
@_exported import LARSKernels
@_exported import LARSCore
@_exported import LARSNN
@_exported import LARSOptimizers
@_exported import LARSData
@_exported import LARSTraining
