import Foundation

/// Runs `executable` with `arguments` (and `environment`, or this process's when nil) to the end,
/// returning its exit status and everything it wrote to standard output and standard error.
public func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil
) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// One of the package's executables (`lars-train`, `lars-fit`, ...) in the build products
/// directory next to the running test binary, or an error saying how to build it.
public func shippedExecutable(_ name: String) throws -> URL {
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    // The runner is products/<package>PackageTests.xctest (a file on Linux, a bundle elsewhere).
    var directory = me.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    struct Missing: Error, CustomStringConvertible {
        let name: String
        let near: String
        var description: String { "\(name) was not found near \(near); build it first (`swift build --product \(name)`)" }
    }
    throw Missing(name: name, near: me.path)
}
