/// The one check of an output directory that every executable makes (`lars-train --output`,
/// `lars-study --output`), so that a path one of them refuses the other refuses too.
public enum OutputPath {
    /// Throws unless `path` can name a directory to write a run or a study into: not empty, not
    /// the root directory however it is spelled (`/`, `//`, `/.`, `/tmp/..`, `.` run from `/`).
    /// - Parameters:
    ///   - path: the directory, as the user gave it.
    ///   - flag: the option that gave the path, as messages name it.
    /// - Throws: `TrainingError.invalidConfiguration` naming the flag and the path.
    public static func validate(_ path: String, flag: String = "--output") throws {
        guard !path.isEmpty else {
            throw TrainingError.invalidConfiguration("\(flag) must name a directory, got an empty path")
        }
        guard path.contains(where: { $0 != "/" }), resolvedPath(path) != "/" else {
            throw TrainingError.invalidConfiguration("\(flag) must not be the root directory '/', got '\(path)'")
        }
    }
}
