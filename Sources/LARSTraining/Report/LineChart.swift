#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A self-contained SVG line chart: axes with round-number ticks, one polyline per series and
/// a legend. Enough to read a training run at a glance without any plotting library.
public struct LineChart {
    /// One named line.
    public struct Series {
        /// The legend label.
        public var name: String
        /// The points, in drawing order.
        public var points: [(x: Double, y: Double)]
        /// Creates a series.
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// The heading above the plot.
    public var title: String
    /// The label under the x axis.
    public var xLabel: String
    /// The label beside the y axis.
    public var yLabel: String
    /// The lines to draw.
    public var series: [Series]
    /// Whether the y axis is logarithmic (for trust ratios, which span decades).
    public var logarithmicY: Bool
    /// Whether the x axis is logarithmic in base 2, with ticks at powers of two (batch sizes).
    public var logarithmicX: Bool = false
    /// Whether a point with a non-finite y breaks its line into pieces (a gap, such as a diverged
    /// run) instead of being skipped over.
    public var gapsAtNonFinite: Bool = false
    /// Values the y axis always spans, whatever the data: 0 for a loss, 0 and 1 for an
    /// accuracy, so that the chart's scale is read from the axis, not guessed.
    public var yAxisIncludes: [Double] = []
    /// Room left above the highest value, as a fraction of the y axis's span, so that a line at
    /// its maximum (an accuracy of 1) stays clear of the plot's top border.
    public var yHeadroom: Double = 0
    /// Width and height in pixels.
    public var width: Double = 560, height: Double = 320
    /// Names of x = 1, 2, ...: the x axis is categorical (one tick per name, such as layers).
    public var categories: [String]? = nil
    /// Points that have no y value to draw (a diverged cell): an × on the bottom edge at `x`, in
    /// the colour of series `series`, with `label` as its tooltip.
    public var failures: [(series: Int, x: Double, label: String)] = []

    /// Creates a chart.
    public init(title: String, xLabel: String, yLabel: String, series: [Series], logarithmicY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logarithmicY = logarithmicY
    }

    /// Colours that stay distinguishable for a dozen lines; more lines reuse them with dashes.
    static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
    ]

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let left = 64.0, right = 150.0, top = 34.0, bottom = categories == nil ? 44.0 : 100.0
        let plotW = width - left - right, plotH = height - top - bottom
        let transformY: (Double) -> Double = { logarithmicY ? log10Safe($0) : $0 }
        let transformX: (Double) -> Double = { logarithmicX ? log2(max($0, .leastNormalMagnitude)) : $0 }
        let isDrawable: ((x: Double, y: Double)) -> Bool = {
            $0.x.isFinite && $0.y.isFinite && (!logarithmicY || $0.y > 0) && (!logarithmicX || $0.x > 0)
        }
        let valid = series.flatMap(\.points).filter(isDrawable)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" "
        out += "viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(fmt(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
        guard !valid.isEmpty else {
            out += "<text x=\"\(fmt(left + 10))\" y=\"\(fmt(top + plotH / 2))\" fill=\"#888\">no data yet</text>\n</svg>"
            return out
        }
        var xs = (valid.map { transformX($0.x) }.min()!, valid.map { transformX($0.x) }.max()!)
        let yValues = valid.map { transformY($0.y) } + yAxisIncludes.map(transformY).filter(\.isFinite)
        var ys = (yValues.min()!, yValues.max()!)
        if ys.0 < ys.1 { ys.1 += yHeadroom * (ys.1 - ys.0) }
        if categories != nil { xs = (0.5, Double(max(categories!.count, 1)) + 0.5) }
        if xs.0 == xs.1 { xs = (xs.0 - 0.5, xs.1 + 0.5) }
        if ys.0 == ys.1 { ys = (ys.0 - (logarithmicY ? 0.5 : max(abs(ys.0) * 0.1, 0.5)), ys.1 + (logarithmicY ? 0.5 : max(abs(ys.1) * 0.1, 0.5))) }
        let xTicks = categories.map { names in names.indices.map { Double($0 + 1) } }
            ?? (logarithmicX ? powerOfTwoTicks(xs.0, xs.1) : niceTicks(xs.0, xs.1))
        let yTicks = logarithmicY ? decadeTicks(ys.0, ys.1) : niceTicks(ys.0, ys.1)
        let px: (Double) -> Double = { left + (transformX($0) - xs.0) / (xs.1 - xs.0) * plotW }
        let py: (Double) -> Double = { top + plotH - ($0 - ys.0) / (ys.1 - ys.0) * plotH }

        out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(plotW))\" height=\"\(fmt(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
        for t in xTicks where t >= xs.0 && t <= xs.1 {
            // Ticks are in axis space (log2 of the value on a logarithmic axis).
            let value = logarithmicX ? pow(2, t) : t
            out += "<line x1=\"\(fmt(px(value)))\" y1=\"\(fmt(top))\" x2=\"\(fmt(px(value)))\" y2=\"\(fmt(top + plotH))\" stroke=\"#eee\"/>"
            if let names = categories {
                let name = escapeXML(shorten(names[Int(value) - 1]))
                out += "<text x=\"\(fmt(px(value)))\" y=\"\(fmt(top + plotH + 10))\" text-anchor=\"end\" font-size=\"9\" transform=\"rotate(-30 \(fmt(px(value))) \(fmt(top + plotH + 10)))\">\(name)</text>\n"
            } else {
                out += "<text x=\"\(fmt(px(value)))\" y=\"\(fmt(top + plotH + 14))\" text-anchor=\"middle\">\(tickLabel(value))</text>\n"
            }
        }
        for mark in failures {
            let color = Self.palette[mark.series % Self.palette.count], x = px(mark.x), y = top + plotH - 8
            out += "<path d=\"M\(fmt(x - 5)),\(fmt(y - 5)) l10,10 m0,-10 l-10,10\" stroke=\"\(color)\" stroke-width=\"2.5\"><title>\(escapeXML(mark.label))</title></path>\n"
        }
        for t in yTicks where t >= ys.0 - 1e-12 && t <= ys.1 + 1e-12 {
            let label = logarithmicY ? tickLabel(pow10(t)) : tickLabel(t)
            out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(py(t)))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(py(t)))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(fmt(left - 5))\" y=\"\(fmt(py(t) + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        out += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\">\(escapeXML(xLabel))</text>\n"
        out += "<text transform=\"translate(14,\(fmt(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(yLabel))</text>\n"

        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let dash = i >= Self.palette.count ? " stroke-dasharray=\"4 3\"" : ""
            var pieces: [[(x: Double, y: Double)]] = [[]]
            for p in s.points {
                if isDrawable(p) {
                    pieces[pieces.count - 1].append(p)
                } else if gapsAtNonFinite && !pieces[pieces.count - 1].isEmpty {
                    pieces.append([])
                }
            }
            for pts in pieces {
                if pts.count == 1 {
                    out += "<circle cx=\"\(fmt(px(pts[0].x)))\" cy=\"\(fmt(py(transformY(pts[0].y))))\" r=\"3\" fill=\"\(color)\"/>\n"
                } else if pts.count > 1 {
                    let coords = pts.map { "\(fmt(px($0.x))),\(fmt(py(transformY($0.y))))" }.joined(separator: " ")
                    out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(dash) points=\"\(coords)\"/>\n"
                }
            }
            let ly = top + 6 + Double(i) * 13
            if ly < height - 10 {
                out += "<line x1=\"\(fmt(left + plotW + 8))\" y1=\"\(fmt(ly))\" x2=\"\(fmt(left + plotW + 22))\" y2=\"\(fmt(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
                out += "<text x=\"\(fmt(left + plotW + 26))\" y=\"\(fmt(ly + 4))\" font-size=\"9\">\(escapeXML(shorten(s.name)))</text>\n"
            }
        }
        out += "</svg>"
        return out
    }
}

private func shorten(_ name: String) -> String {
    name.count <= 24 ? name : "…" + name.suffix(23)
}

private func log10Safe(_ x: Double) -> Double { log10(x) }
private func pow10(_ x: Double) -> Double { pow(10, x) }

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
