// The training module works on the types of every module below it; re-export them so that
// `import LARSTraining` is enough to drive a run.
@_exported import LARSCore
@_exported import LARSNN
@_exported import LARSOptimizers
@_exported import LARSData
