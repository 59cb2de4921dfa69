/// Draws a run's logs into one self-contained HTML page with inline SVG charts: loss and
/// accuracy for train and test, the learning-rate schedule, and the per-layer trust ratios.
public enum TrainingReport {
    /// Reads the logs in `files` and writes `files.report`. `title` and `details` (key, value)
    /// describe the run at the top of the page.
    public static func write(files: RunFiles, title: String, details: [(String, String)]) throws {
        let html = try render(files: files, title: title, details: details)
        try writeTextFileAtomically(html, to: files.report)
    }

    /// The report's HTML for the logs in `files`.
    public static func render(files: RunFiles, title: String, details: [(String, String)]) throws -> String {
        let metrics = try readCSV(files.metrics)
        let steps = (try? readCSV(files.steps)) ?? (header: [], rows: [])
        let trust = (try? readCSV(files.trustRatios)) ?? (header: [], rows: [])
        var html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(escapeXML(title))</title>\n"
        html += "<style>body{font-family:sans-serif;margin:24px;color:#222} table{border-collapse:collapse;margin-bottom:16px}"
        html += " td{padding:2px 10px;border-bottom:1px solid #eee;font-size:13px} .charts{display:flex;flex-wrap:wrap;gap:12px}"
        html += " p.note{max-width:1150px;font-size:13px;color:#444}</style></head><body>\n"
        html += "<h1>\(escapeXML(title))</h1>\n<table>\n"
        for (key, value) in details { html += "<tr><td>\(escapeXML(key))</td><td>\(escapeXML(value))</td></tr>\n" }
        html += "</table>\n<div class=\"charts\">\n"
        for chart in epochCharts(metrics) + stepCharts(steps) + noiseChart(metrics) { html += chart.svg() + "\n" }
        html += trustChart(trust).svg() + "\n</div>\n"
        html += "<p class=\"note\">The trust ratio is LARS's per-layer factor η‖w‖/(‖g‖+β‖w‖): each layer's step is the global learning "
        html += "rate times this ratio. Layers whose gradients are small against their weights get larger ratios. Biases and BatchNorm "
        html += "parameters are excluded from adaptation and are not drawn.</p>\n</body></html>\n"
        return html
    }

    /// A CSV log's header and rows.
    typealias Table = (header: [String], rows: [[String]])

    /// Column `name` of `table` as numbers (NaN where a cell is not one; empty without it).
    private static func column(_ table: Table, _ name: String) -> [Double] {
        guard let i = table.header.firstIndex(of: name) else { return [] }
        return table.rows.map { Double($0[i]) ?? .nan }
    }

    /// Loss and accuracy by epoch.
    private static func epochCharts(_ metrics: Table) -> [LineChart] {
        let epochs = column(metrics, "epoch")
        func series(_ name: String, _ label: String) -> LineChart.Series {
            .init(name: label, points: Array(zip(epochs, column(metrics, name))).map { (x: $0.0, y: $0.1) })
        }
        // Loss from zero and accuracy from 0 to 1, with room above the top value, so that the
        // scale is the axis's and a curve at 100 % does not run along the border.
        var loss = LineChart(
            title: "Loss", xLabel: "epoch", yLabel: "cross-entropy",
            series: [series("train_loss", "train"), series("test_loss", "test")])
        loss.yAxisIncludes = [0]
        loss.yHeadroom = 0.05
        var accuracy = LineChart(
            title: "Top-1 accuracy", xLabel: "epoch", yLabel: "accuracy",
            series: [series("train_accuracy", "train"), series("test_accuracy", "test")])
        accuracy.yAxisIncludes = [0, 1]
        accuracy.yHeadroom = 0.05
        return [loss, accuracy]
    }

    /// The noise scale by epoch, when it was measured.
    private static func noiseChart(_ metrics: Table) -> [LineChart] {
        let noise = LineChart.Series(
            name: "B_simple", points: Array(zip(column(metrics, "epoch"), column(metrics, "noise_scale"))).map { (x: $0.0, y: $0.1) })
        guard noise.points.contains(where: { $0.y.isFinite }) else { return [] }
        return [
            LineChart(
                title: "Gradient noise scale (McCandlish et al. 2018)", xLabel: "epoch",
                yLabel: "B_simple = tr(Σ)/|G|² (images, log)", series: [noise], logarithmicY: true)
        ]
    }

    /// The learning rate and the loss by step.
    private static func stepCharts(_ steps: Table) -> [LineChart] {
        let stepNumbers = column(steps, "step")
        func points(_ name: String) -> [(x: Double, y: Double)] {
            Array(zip(stepNumbers, column(steps, name))).map { (x: $0.0, y: $0.1) }
        }
        return [
            LineChart(
                title: "Learning-rate schedule", xLabel: "step", yLabel: "global learning rate",
                series: [.init(name: "learning rate", points: points("learning_rate"))]),
            LineChart(
                title: "Training loss per step", xLabel: "step", yLabel: "mini-batch loss",
                series: [.init(name: "loss", points: points("loss"))]),
        ]
    }

    /// The trust ratio of each adapted parameter by step, one line each in the order the log
    /// first names them (input to output), drawn wide.
    private static func trustChart(_ trust: Table) -> LineChart {
        var order: [String] = []
        var byName: [String: [(x: Double, y: Double)]] = [:]
        if let s = trust.header.firstIndex(of: "step"), let p = trust.header.firstIndex(of: "parameter"),
            let r = trust.header.firstIndex(of: "trust_ratio")
        {
            for row in trust.rows {
                guard let x = Double(row[s]), let y = Double(row[r]) else { continue }
                if byName[row[p]] == nil { order.append(row[p]) }
                byName[row[p], default: []].append((x: x, y: y))
            }
        }
        var chart = LineChart(
            title: "Per-layer LARS trust ratio", xLabel: "step", yLabel: "trust ratio (log scale)",
            series: order.map { .init(name: $0, points: byName[$0]!) }, logarithmicY: true)
        chart.width = 1132
        chart.height = 420
        return chart
    }
}
