import LARSTraining

/// Writes `study.html`: one self-contained page with inline SVG charts of a study: accuracy
/// against batch size, the test-accuracy curves, LARS's per-layer trust ratios at each batch, and
/// the paper's Table 2 diagnostic ||w|| / ||g|| per layer at the first step.
public enum StudyHTML {
    /// The page for `results` (all runs; charts use each cell's chosen run). `trust` gives the
    /// trust-ratio rows of a run directory (read from disk by the caller).
    public static func render(_ results: [RunResult], header: StudyHeader, trust: (String) -> [TrustRow]) -> String {
        let chosen = results.filter(\.selected)
        var html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>lars-study</title>\n"
        html += "<style>body{font-family:sans-serif;margin:24px;color:#222} table{border-collapse:collapse;margin-bottom:16px}"
        html += " td,th{padding:2px 10px;border-bottom:1px solid #eee;font-size:13px} .charts{display:flex;flex-wrap:wrap;gap:12px}"
        html += " p.note{max-width:1150px;font-size:13px;color:#444}</style></head><body>\n<h1>lars-study</h1>\n<table>\n"
        for (key, value) in header.lines { html += "<tr><td>\(escapeXML(key))</td><td>\(escapeXML(value))</td></tr>\n" }
        html += "</table>\n" + tableHTML(results, settings: header.settings)
        html += "<div class=\"charts\">\n" + accuracyChart(results, settings: header.settings).svg() + "\n"
        html += curvesChart(chosen).svg() + "\n</div>\n"
        html += "<h2>Steps to a validation target</h2>\n<div class=\"charts\">\n"
        for target in header.settings.targets {
            html += StudyScalingChart.svg(results, settings: header.settings, target: target) + "\n"
        }
        html += "</div>\n<p class=\"note\">" + escapeXML(
            StudyScaling.bendLine(
                StudyScaling.points(results, settings: header.settings, target: header.settings.targets[0]),
                settings: header.settings, predicted: StudyScaling.predictedCriticalBatch(results))) + "</p>\n"

        // The LARS runs with trust-ratio logs, one per batch (the first seed's chosen run).
        var perBatch: [(batch: Int, rows: [TrustRow])] = []
        for batch in header.settings.batches {
            guard let run = chosen.first(where: { $0.run.batch == batch && $0.run.optimizer == .lars }) else { continue }
            let rows = trust(run.directory)
            if !rows.isEmpty { perBatch.append((batch, rows)) }
        }
        html += "<h2>LARS trust ratios per layer</h2>\n<div class=\"charts\">\n"
        for (batch, rows) in perBatch { html += trustChart(rows, batch: batch).svg() + "\n" }
        if perBatch.isEmpty { html += "<p class=\"note\">No LARS run has logged trust ratios yet.</p>\n" }
        html += "</div>\n<h2>‖w‖ / ‖g‖ per layer at the first step (the LARS paper's Table 2)</h2>\n"
        let (table2, layers) = firstStepChart(perBatch)
        html += table2.svg() + "\n<p class=\"note\">Layers run input to output (\(layers.count) adapted parameters)"
        html += ". A large spread of this ratio between layers is why one global rate does not suit every layer at large batch.</p>\n"
        html += "</body></html>\n"
        return html
    }

    /// Final test accuracy (%) against batch size (log-2 axis), one line per optimizer; a
    /// diverged or unfinished cell is a gap.
    public static func accuracyChart(_ results: [RunResult], settings: StudySettings) -> LineChart {
        let chosen = results.filter(\.selected)
        let series = settings.optimizers.map { optimizer in
            LineChart.Series(name: optimizer.rawValue.uppercased(), points: settings.batches.map { batch in
                let values = chosen.filter { $0.run.optimizer == optimizer && $0.run.batch == batch && $0.state == .finished }
                    .compactMap(\.finalTestAccuracy)
                let mean = values.isEmpty ? Double.nan : 100 * values.reduce(0, +) / Double(values.count)
                return (x: Double(batch), y: mean)
            })
        }
        var chart = LineChart(
            title: "Final test accuracy against batch size (\(settings.dataset), \(settings.epochs) epochs)",
            xLabel: "batch size (log 2); ×: diverged or failed", yLabel: "test accuracy (%, axis from \(Int(accuracyAxisStart)))",
            series: series)
        chart.logarithmicX = true
        chart.gapsAtNonFinite = true
        chart.yAxisIncludes = [accuracyAxisStart, 100]
        for (i, optimizer) in settings.optimizers.enumerated() {
            for batch in settings.batches {
                let cell = chosen.filter { $0.run.optimizer == optimizer && $0.run.batch == batch }
                if !cell.isEmpty && cell.allSatisfy({ $0.state == .diverged || $0.state == .failed }) {
                    chart.failures.append((series: i, x: Double(batch), label: "\(optimizer.rawValue) b\(batch): \(cell[0].state.rawValue)"))
                }
            }
        }
        return chart
    }

    /// Where the study's accuracy axes start (%), unless a point lies lower.
    public static let accuracyAxisStart = 50.0

    /// Test accuracy (%) per epoch of every chosen run.
    static func curvesChart(_ chosen: [RunResult]) -> LineChart {
        var chart = LineChart(
            title: "Test accuracy per epoch", xLabel: "epoch", yLabel: "test accuracy (%, axis from \(Int(accuracyAxisStart)))",
            series: chosen.map { r in
                .init(name: "\(r.run.optimizer.rawValue) b\(r.run.batch) s\(r.run.seed)",
                    points: r.curve.map { (x: Double($0.epoch), y: $0.accuracy * 100) })
            })
        chart.width = 700
        chart.yAxisIncludes = [accuracyAxisStart, 100]
        return chart
    }

    /// LARS's trust ratio per layer over the steps of one run.
    static func trustChart(_ rows: [TrustRow], batch: Int) -> LineChart {
        var order: [String] = []
        var byName: [String: [(x: Double, y: Double)]] = [:]
        for row in rows {
            if byName[row.parameter] == nil { order.append(row.parameter) }
            byName[row.parameter, default: []].append((x: Double(row.step), y: row.trustRatio))
        }
        return LineChart(
            title: "Trust ratio per layer, LARS batch \(batch)", xLabel: "step", yLabel: "trust ratio (log)",
            series: order.map { .init(name: $0, points: byName[$0]!) }, logarithmicY: true)
    }

    /// ||w|| / ||g|| per layer (x: layer number) at each run's first logged step, one line per batch.
    static func firstStepChart(_ perBatch: [(batch: Int, rows: [TrustRow])]) -> (LineChart, [String]) {
        var layers: [String] = []
        var series: [LineChart.Series] = []
        for (batch, rows) in perBatch {
            guard let first = rows.map(\.step).min() else { continue }
            let step = rows.filter { $0.step == first }
            if step.count > layers.count { layers = step.map(\.parameter) }
            series.append(.init(name: "batch \(batch)", points: step.enumerated().map { i, row in
                (x: Double(i + 1), y: row.gradientNorm > 0 ? row.weightNorm / row.gradientNorm : .nan)
            }))
        }
        var chart = LineChart(
            title: "‖w‖ / ‖g‖ per layer at the first step", xLabel: "layer (input to output)",
            yLabel: "‖w‖ / ‖g‖ (log)", series: series, logarithmicY: true)
        chart.width = 700
        chart.height = 380  // room for the slanted layer names
        chart.categories = layers
        return (chart, layers)
    }

    /// The accuracy table of `study.md` as HTML.
    static func tableHTML(_ results: [RunResult], settings: StudySettings) -> String {
        let chosen = results.filter(\.selected)
        var html = "<table>\n<tr><th>batch</th><th>steps</th>"
        html += settings.optimizers.map { "<th>\($0.rawValue.uppercased())</th>" }.joined() + "</tr>\n"
        for batch in settings.batches {
            let row = chosen.filter { $0.run.batch == batch }
            let steps = row.map(\.steps).max() ?? 0
            html += "<tr><td>\(batch)</td><td>\(steps)</td>"
            for optimizer in settings.optimizers {
                html += "<td>\(escapeXML(StudyMarkdown.cellText(row.filter { $0.run.optimizer == optimizer })))</td>"
            }
            html += "</tr>\n"
        }
        return html + "</table>\n"
    }
}
