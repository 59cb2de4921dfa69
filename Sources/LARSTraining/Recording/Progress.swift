#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reports progress within an epoch: a live bar redrawn in place when standard output is a
/// terminal, and a few plain lines otherwise (logs and CI stay readable).
public struct ProgressDisplay {
    /// Whether the output is a terminal.
    public let isLive: Bool
    private var lastPlainDecile = -1
    private var lastDraw: Double = -1

    /// Creates a display; `live` defaults to whether standard output is a terminal.
    public init(live: Bool? = nil) {
        isLive = live ?? (isatty(STDOUT_FILENO) != 0)
    }

    /// Reports that `done` of `total` images of `epoch` are processed after `seconds`, with the
    /// running mean loss.
    public mutating func update(epoch: Int, epochs: Int, done: Int, total: Int, loss: Double, seconds: Double) {
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        if isLive {
            // Redraw at most ten times a second; the terminal is slower than the training loop.
            guard seconds - lastDraw >= 0.1 || done == total else { return }
            lastDraw = seconds
            let width = 30
            let filled = total > 0 ? min(width, width * done / total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = "epoch \(epoch)/\(epochs) [\(bar)] \(done)/\(total) \(format(rate, 0)) img/s loss \(format(loss, 4)) ETA \(formatDuration(eta))"
            print("\r\u{1B}[2K" + line, terminator: "")
            fflush(nil)  // flushes every stream; naming `stdout` is not concurrency-safe in Swift 6
        } else {
            let decile = total > 0 ? 10 * done / total : 10
            guard decile / 5 > lastPlainDecile / 5 || lastPlainDecile < 0 else { return }
            lastPlainDecile = decile
            if done < total {
                print("  epoch \(epoch)/\(epochs): \(done)/\(total) images, \(format(rate, 0)) img/s, loss \(format(loss, 4)), ETA \(formatDuration(eta))")
                fflush(nil)
            }
        }
    }

    /// Ends the epoch's bar so that the summary line starts on a fresh line.
    public mutating func finishEpoch() {
        if isLive { print("\r\u{1B}[2K", terminator: ""); fflush(nil) }
        lastPlainDecile = -1
        lastDraw = -1
    }
}

/// `value` with `digits` decimals.
public func format(_ value: Double, _ digits: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let length = buffer.withUnsafeMutableBufferPointer { p in
        withVaList([digits, value]) { Int(vsnprintf(p.baseAddress, 64, "%.*f", $0)) }
    }
    return String(decoding: buffer.prefix(max(0, min(length, 63))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Seconds as `m:ss` or `h:mm:ss`.
public func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    let (h, m, r) = (s / 3600, (s % 3600) / 60, s % 60)
    let mm = m < 10 && h > 0 ? "0\(m)" : "\(m)"
    let ss = r < 10 ? "0\(r)" : "\(r)"
    return h > 0 ? "\(h):\(mm):\(ss)" : "\(mm):\(ss)"
}
