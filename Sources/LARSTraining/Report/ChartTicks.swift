#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Axis ticks and number formats of the charts (`LineChart`), and XML escaping.

func log10Safe(_ x: Double) -> Double { log10(x) }
func pow10(_ x: Double) -> Double { pow(10, x) }

/// Round-number ticks (1, 2 or 5 times a power of ten) covering `[low, high]`.
func niceTicks(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
    let span = high - low
    guard span > 0, span.isFinite else { return [low] }
    let raw = span / Double(count)
    let magnitude = pow10(floor(log10Safe(raw)))
    let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = (low / step).rounded(.up) * step
    while t <= high + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

/// Ticks in log2 space: every whole power of two in `[low, high]`, thinned to at most about 8.
func powerOfTwoTicks(_ low: Double, _ high: Double) -> [Double] {
    let first = Int(low.rounded(.up)), last = Int(high.rounded(.down))
    guard first <= last else { return [] }
    let stride = max(1, (last - first + 7) / 8)
    return Swift.stride(from: first, through: last, by: stride).map(Double.init)
}

/// Ticks in log10 space: whole decades, plus 2x and 5x marks when the range spans few decades.
func decadeTicks(_ low: Double, _ high: Double) -> [Double] {
    let first = Int(low.rounded(.down)), last = Int(high.rounded(.up))
    let stride = max(1, (last - first) / 6)
    var ticks = Swift.stride(from: first, through: last, by: stride).map(Double.init)
    if last - first <= 3 {
        for decade in first...last { ticks += [Double(decade) + log10(2), Double(decade) + log10(5)] }
    }
    return ticks.sorted()
}

func tickLabel(_ value: Double) -> String {
    let a = abs(value)
    if a == 0 { return "0" }
    if a >= 1e4 || a < 1e-3 {
        let exponent = Int(floor(log10Safe(a)))
        let mantissa = value / pow10(Double(exponent))
        return (abs(mantissa - mantissa.rounded()) < 1e-6 ? "\(Int(mantissa.rounded()))" : format(mantissa, 1)) + "e\(exponent)"
    }
    if abs(a - a.rounded()) < 1e-9 * max(1, a) { return "\(Int(value.rounded()))" }
    var text = a >= 1 ? format(value, 2) : format(value, 4)
    while text.hasSuffix("0") { text.removeLast() }
    return text
}

func fmt(_ x: Double) -> String { format(x, 1) }

/// Escapes the five XML special characters.
public func escapeXML(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(ch)
        }
    }
    return out
}
