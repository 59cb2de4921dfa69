import Foundation
import SwiftLARS

/// The bench's view of OpenBLAS's process-wide settings (core and thread count), all through
/// `BLASRuntime` of LARSKernels; the bench itself never imports CBLAS.
enum BLASControl {
    /// Picks OpenBLAS's best core for this CPU (unless `OPENBLAS_CORETYPE` is set, as in the
    /// generic-core child run) and returns a one-line description of the BLAS in use.
    static func prepare(useBestCore: Bool) -> String {
        let description = useBestCore ? BLASRuntime.useBestCore() : BLASRuntime.describe()
        return "\(description.library), core \(description.coreName)"
            + (description.replacedCore.map { " (switched from \($0))" } ?? "")
            + (description.coreTypeSetting.map { ", OPENBLAS_CORETYPE=\($0)" } ?? "")
            + ", \(description.threads) threads at start; config: \(description.configuration)"
            + (description.isGenericFallback ? " WARNING: generic fallback kernel" : "")
    }

    /// Sets OpenBLAS's thread count for the following calls.
    static func setThreads(_ n: Int) { BLASRuntime.setThreads(n) }

    /// The kernel core OpenBLAS is running, such as `Zen` or `Prescott`.
    static var coreName: String { BLASRuntime.describe().coreName }
}
