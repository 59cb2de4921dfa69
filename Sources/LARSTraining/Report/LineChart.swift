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
        let frame = ChartFrame(self)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" "
        out += "viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(fmt(frame.left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
        let valid = series.flatMap(\.points).filter(frame.isDrawable)
        guard !valid.isEmpty else {
            out += "<text x=\"\(fmt(frame.left + 10))\" y=\"\(fmt(frame.top + frame.plotH / 2))\" fill=\"#888\">no data yet</text>\n</svg>"
            return out
        }
        let scales = ChartScales(frame, valid: valid, chart: self)
        out += axesSVG(frame, scales) + linesSVG(frame, scales) + "</svg>"
        return out
    }

    /// The plot's border, grid, tick labels, failure marks and axis labels.
    private func axesSVG(_ frame: ChartFrame, _ scales: ChartScales) -> String {
        let (left, top, plotW, plotH) = (frame.left, frame.top, frame.plotW, frame.plotH)
        var out = "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(plotW))\" height=\"\(fmt(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
        for t in scales.xTicks where t >= scales.xs.0 && t <= scales.xs.1 {
            // Ticks are in axis space (log2 of the value on a logarithmic axis).
            let value = logarithmicX ? pow(2, t) : t
            let x = scales.px(value)
            out += "<line x1=\"\(fmt(x))\" y1=\"\(fmt(top))\" x2=\"\(fmt(x))\" y2=\"\(fmt(top + plotH))\" stroke=\"#eee\"/>"
            if let names = categories {
                let name = escapeXML(shorten(names[Int(value) - 1]))
                out += "<text x=\"\(fmt(x))\" y=\"\(fmt(top + plotH + 10))\" text-anchor=\"end\" font-size=\"9\" transform=\"rotate(-30 \(fmt(x)) \(fmt(top + plotH + 10)))\">\(name)</text>\n"
            } else {
                out += "<text x=\"\(fmt(x))\" y=\"\(fmt(top + plotH + 14))\" text-anchor=\"middle\">\(tickLabel(value))</text>\n"
            }
        }
        for mark in failures {
            let color = Self.palette[mark.series % Self.palette.count], x = scales.px(mark.x), y = top + plotH - 8
            out += "<path d=\"M\(fmt(x - 5)),\(fmt(y - 5)) l10,10 m0,-10 l-10,10\" stroke=\"\(color)\" stroke-width=\"2.5\"><title>\(escapeXML(mark.label))</title></path>\n"
        }
        for t in scales.yTicks where t >= scales.ys.0 - 1e-12 && t <= scales.ys.1 + 1e-12 {
            let label = logarithmicY ? tickLabel(pow10(t)) : tickLabel(t)
            out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(scales.py(t)))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(scales.py(t)))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(fmt(left - 5))\" y=\"\(fmt(scales.py(t) + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        out += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\">\(escapeXML(xLabel))</text>\n"
        out += "<text transform=\"translate(14,\(fmt(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(yLabel))</text>\n"
        return out
    }

    /// Each series' polylines (a dot for a lone point) and its legend entry.
    private func linesSVG(_ frame: ChartFrame, _ scales: ChartScales) -> String {
        var out = ""
        func point(_ p: (x: Double, y: Double)) -> String { "\(fmt(scales.px(p.x))),\(fmt(scales.py(frame.transformY(p.y))))" }
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let dash = i >= Self.palette.count ? " stroke-dasharray=\"4 3\"" : ""
            var pieces: [[(x: Double, y: Double)]] = [[]]
            for p in s.points {
                if frame.isDrawable(p) {
                    pieces[pieces.count - 1].append(p)
                } else if gapsAtNonFinite && !pieces[pieces.count - 1].isEmpty {
                    pieces.append([])
                }
            }
            for pts in pieces {
                if pts.count == 1 {
                    out += "<circle cx=\"\(fmt(scales.px(pts[0].x)))\" cy=\"\(fmt(scales.py(frame.transformY(pts[0].y))))\" r=\"3\" fill=\"\(color)\"/>\n"
                } else if pts.count > 1 {
                    out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(dash) points=\"\(pts.map(point).joined(separator: " "))\"/>\n"
                }
            }
            let ly = frame.top + 6 + Double(i) * 13, lx = frame.left + frame.plotW
            if ly < height - 10 {
                out += "<line x1=\"\(fmt(lx + 8))\" y1=\"\(fmt(ly))\" x2=\"\(fmt(lx + 22))\" y2=\"\(fmt(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
                out += "<text x=\"\(fmt(lx + 26))\" y=\"\(fmt(ly + 4))\" font-size=\"9\">\(escapeXML(shorten(s.name)))</text>\n"
            }
        }
        return out
    }
}

/// A chart's plot area inside its margins (room for the title, the tick labels and the legend),
/// and how a value maps onto each axis's scale (log10 on a logarithmic y axis, log2 on x).
struct ChartFrame {
    let left = 64.0, top = 34.0
    let plotW: Double, plotH: Double
    let logarithmicX: Bool, logarithmicY: Bool

    init(_ chart: LineChart) {
        let right = 150.0, bottom = chart.categories == nil ? 44.0 : 100.0
        plotW = chart.width - left - right
        plotH = chart.height - top - bottom
        (logarithmicX, logarithmicY) = (chart.logarithmicX, chart.logarithmicY)
    }

    func transformY(_ y: Double) -> Double { logarithmicY ? log10Safe(y) : y }
    func transformX(_ x: Double) -> Double { logarithmicX ? log2(max(x, .leastNormalMagnitude)) : x }
    /// Whether a point can be drawn: finite, and positive on a logarithmic axis.
    func isDrawable(_ p: (x: Double, y: Double)) -> Bool {
        p.x.isFinite && p.y.isFinite && (!logarithmicY || p.y > 0) && (!logarithmicX || p.x > 0)
    }
}

/// The axes' ranges (in axis space, with the chart's headroom and fixed values) and ticks for
/// a chart's drawable points, and the pixel positions they give.
struct ChartScales {
    var xs: (Double, Double), ys: (Double, Double)
    var xTicks: [Double], yTicks: [Double]
    let frame: ChartFrame

    init(_ frame: ChartFrame, valid: [(x: Double, y: Double)], chart: LineChart) {
        self.frame = frame
        xs = (valid.map { frame.transformX($0.x) }.min()!, valid.map { frame.transformX($0.x) }.max()!)
        let yValues = valid.map { frame.transformY($0.y) } + chart.yAxisIncludes.map(frame.transformY).filter(\.isFinite)
        ys = (yValues.min()!, yValues.max()!)
        if ys.0 < ys.1 { ys.1 += chart.yHeadroom * (ys.1 - ys.0) }
        if let categories = chart.categories { xs = (0.5, Double(max(categories.count, 1)) + 0.5) }
        if xs.0 == xs.1 { xs = (xs.0 - 0.5, xs.1 + 0.5) }
        let log = frame.logarithmicY
        if ys.0 == ys.1 { ys = (ys.0 - (log ? 0.5 : max(abs(ys.0) * 0.1, 0.5)), ys.1 + (log ? 0.5 : max(abs(ys.1) * 0.1, 0.5))) }
        xTicks = chart.categories.map { names in names.indices.map { Double($0 + 1) } }
            ?? (frame.logarithmicX ? powerOfTwoTicks(xs.0, xs.1) : niceTicks(xs.0, xs.1))
        yTicks = log ? decadeTicks(ys.0, ys.1) : niceTicks(ys.0, ys.1)
    }

    /// The pixel column of data value `x`.
    func px(_ x: Double) -> Double { frame.left + (frame.transformX(x) - xs.0) / (xs.1 - xs.0) * frame.plotW }
    /// The pixel row of axis-space value `y`.
    func py(_ y: Double) -> Double { frame.top + frame.plotH - (y - ys.0) / (ys.1 - ys.0) * frame.plotH }
}

private func shorten(_ name: String) -> String {
    name.count <= 24 ? name : "…" + name.suffix(23)
}
