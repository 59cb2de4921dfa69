import SwiftLARS

#if canImport(Glibc)
import Glibc
#endif

extension LarsTrain {
    /// `--export-pytorch FILE`: the model of a finished (or interrupted) run as a PyTorch
    /// `state_dict`, read from `--resume`'s checkpoint, else `--output`'s best.safetensors, else
    /// its checkpoint.safetensors. No data is read and nothing is trained.
    func export(to path: String) throws {
        let files = RunFiles(directory: outputDirectory)
        let existing = [files.best, files.checkpoint].first(where: { (path: String) in access(path, F_OK) == 0 })
        let source: String = resume ?? existing ?? files.checkpoint
        let trained = try TrainedModel.load(from: source)
        try trained.model.exportPyTorchStateDict(to: path, metadata: ["source": source, "model": trained.configuration?.model.rawValue ?? ""])
        print("wrote \(path): the PyTorch state_dict of \(trained.configuration?.model.rawValue ?? "the model") after epoch \(trained.epoch ?? 0), from \(source)")
    }
}
