import Foundation
import LARSTraining

/// The steps-to-target chart of `study.html` as inline SVG: steps against batch size on log-log
/// axes, one coloured line per optimizer with its perfect-scaling line (dashed, slope -1 through
/// its smallest batch that reached the target), cells that never reached it as hollow markers on
/// the top edge, the measured bend per optimizer as a triangle on the batch axis, and the critical
/// batch predicted by the noise scale as a grey vertical line.
public enum StudyScalingChart {
    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

    /// The chart for `target`.
    public static func svg(_ results: [RunResult], settings: StudySettings, target: Double) -> String {
        let points = StudyScaling.points(results, settings: settings, target: target)
        let predicted = StudyScaling.predictedCriticalBatch(results)
        let axes = Axes(
            batches: settings.batches.map(Double.init) + [predicted].compactMap { $0 }, steps: points.compactMap(\.meanSteps))
        let (width, height, left, right, top, bottom) = (axes.width, axes.height, axes.left, axes.right, axes.top, axes.bottom)
        let (x, y, n) = (axes.x, axes.y, Axes.n)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        out += "<text x=\"\(n(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">Steps to \(format(target * 100, 0)) % validation accuracy (log-log)</text>"
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(width - left - right))\" height=\"\(n(height - top - bottom))\" fill=\"none\" stroke=\"#999\"/>"
        for b in settings.batches {
            out += "<text x=\"\(n(x(Double(b))))\" y=\"\(n(height - bottom + 16))\" text-anchor=\"middle\">\(b)</text>"
        }
        let yRange = axes.yRange
        for decade in Int(yRange.0.rounded(.up))...max(Int(yRange.0.rounded(.up)), Int(yRange.1.rounded(.down))) {
            let value = pow(10, Double(decade))
            out += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(y(value)))\" y2=\"\(n(y(value)))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(y(value) + 4))\" text-anchor=\"end\">\(Int(value))</text>"
        }
        out += "<text x=\"\(n(width / 2))\" y=\"\(n(height - 12))\" text-anchor=\"middle\">batch size (images per step, log)</text>"
        out += "<text transform=\"translate(16,\(n(height / 2))) rotate(-90)\" text-anchor=\"middle\">optimizer steps (log)</text>"
        if let predicted {
            out += "<line x1=\"\(n(x(predicted)))\" x2=\"\(n(x(predicted)))\" y1=\"\(n(top))\" y2=\"\(n(height - bottom))\" stroke=\"#888\" stroke-dasharray=\"2,3\"/>"
            out += "<text x=\"\(n(x(predicted) + 4))\" y=\"\(n(top + 12))\" fill=\"#666\">noise scale \(Int(predicted.rounded()))</text>"
        }
        for (i, optimizer) in settings.optimizers.enumerated() {
            out += optimizerSVG(optimizer, index: i, points: points.filter { $0.optimizer == optimizer }, settings: settings, axes: axes)
        }
        out += "<text x=\"\(n(left + 6))\" y=\"\(n(height - bottom - 6))\" fill=\"#666\">hollow on top: never reached; triangle: measured bend</text>"
        return out + "</svg>"
    }

    /// One optimizer's line, points, perfect-scaling line, unreached markers, bend and legend.
    static func optimizerSVG(
        _ optimizer: StudyOptimizer, index i: Int, points mine: [ScalingPoint], settings: StudySettings, axes: Axes
    ) -> String {
        let (x, y, n) = (axes.x, axes.y, Axes.n)
        let colour = colours[i % colours.count]
        let reached = mine.filter { $0.meanSteps != nil }
        let path = reached.map { "\(n(x(Double($0.batch)))),\(n(y($0.meanSteps!)))" }.joined(separator: " ")
        var out = "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        for p in reached {
            out += "<circle cx=\"\(n(x(Double(p.batch))))\" cy=\"\(n(y(p.meanSteps!)))\" r=\"3.5\" fill=\"\(colour)\"/>"
        }
        if let base = reached.first, let s = base.meanSteps, let last = settings.batches.max() {
            // Perfect scaling: steps x batch constant.
            let end = s * Double(base.batch) / Double(last)
            out += "<line x1=\"\(n(x(Double(base.batch))))\" y1=\"\(n(y(s)))\" x2=\"\(n(x(Double(last))))\" y2=\"\(n(y(max(end, pow(10, axes.yRange.0)))))\" stroke=\"\(colour)\" stroke-dasharray=\"5,4\" opacity=\"0.6\"/>"
        }
        for p in mine where p.meanSteps == nil && p.seeds > 0 {
            out += "<circle cx=\"\(n(x(Double(p.batch))))\" cy=\"\(n(axes.top + 8 + 8 * Double(i)))\" r=\"4\" fill=\"white\" stroke=\"\(colour)\" stroke-width=\"2\"><title>\(optimizer.rawValue) b\(p.batch): not reached</title></circle>"
        }
        if let bend = StudyScaling.measuredBend(mine) {
            let bx = x(bend), by = axes.height - axes.bottom
            out += "<path d=\"M\(n(bx)),\(n(by - 10)) l-5,9 l10,0 z\" fill=\"\(colour)\"><title>\(optimizer.rawValue) bend about \(Int(bend.rounded()))</title></path>"
        }
        out += "<text x=\"\(n(axes.width - axes.right - 150))\" y=\"\(n(axes.height - axes.bottom - 30 + 14 * Double(i)))\" fill=\"\(colour)\">\(optimizer.rawValue.uppercased()) (dashed: perfect scaling)</text>"
        return out
    }

    /// The chart's size, margins and log-log axes: batch sizes across, steps up, each range a
    /// little wider than the values.
    struct Axes {
        let width = 620.0, height = 380.0
        let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let xRange: (Double, Double), yRange: (Double, Double)

        init(batches: [Double], steps: [Double]) {
            xRange = (log10(batches.min() ?? 1) - 0.1, log10(batches.max() ?? 10) + 0.1)
            yRange = (log10(max(1, (steps.min() ?? 1) / 2)), log10(max(10, (steps.max() ?? 10) * 2)))
        }

        /// The pixel column of a batch size.
        func x(_ batch: Double) -> Double { left + (log10(batch) - xRange.0) / (xRange.1 - xRange.0) * (width - left - right) }
        /// The pixel row of a step count.
        func y(_ s: Double) -> Double { top + (yRange.1 - log10(s)) / (yRange.1 - yRange.0) * (height - top - bottom) }
        /// A coordinate as SVG text.
        static func n(_ v: Double) -> String { String(format: "%.1f", v) }
    }
}
