// Which `BatchStatisticsReducer` (LARSKernels) each BatchNorm of a model sums its statistics
// with: set on the whole model at once, `DataParallel` keeping its replicas' own.

extension Layer {
    /// Every `BatchNorm` in this layer and its descendants (through `sublayers`, so a user's
    /// container included, and a `DataParallel`'s primary replica), in forward order.
    public var batchNormLayers: [BatchNorm] {
        if let bn = self as? BatchNorm { return [bn] }
        return sublayers.flatMap(\.layer.batchNormLayers)
    }

    /// Makes every BatchNorm in this layer use `reducer` for its training statistics (`nil`:
    /// each process's local batch statistics, the default). Returns how many layers were set.
    /// On a `DataParallel` layer, which sums over its replicas itself, `reducer` becomes its
    /// `outerStatisticsReducer`.
    @discardableResult
    public func setBatchStatisticsReducer(_ reducer: (any BatchStatisticsReducer)?) -> Int {
        switch self {
        case let parallel as DataParallel:
            // Its replicas' layers keep the reducer that sums over the replicas.
            parallel.outerStatisticsReducer = reducer
            return parallel.primary.batchNormLayers.count
        case let bn as BatchNorm:
            bn.statisticsReducer = reducer
            return 1
        default:
            return sublayers.reduce(0) { $0 + $1.layer.setBatchStatisticsReducer(reducer) }
        }
    }
}
