import Foundation

/// The header facts printed above the table and stored with the JSON.
struct BenchHeader: Codable, Sendable {
    var cpu: String
    var processors: Int
    var blas: String
    var build: String
    var mode: String
    var date: String
    /// Load averages at the start and at the end of the run.
    var loadAverage: String = ""
}

/// Everything a run produced, as written by `--json`.
struct BenchReport: Codable, Sendable {
    var header: BenchHeader
    var ceiling: Ceiling
    var rows: [BenchRow]
}

/// Fills in the derived columns and writes the report as a table, JSON or CSV.
enum Report {
    /// Sets each row's ratio to OpenBLAS (same group, name, shape and threads) and its share of
    /// the ceiling at its thread count.
    static func derive(_ rows: [BenchRow], ceiling: Ceiling) -> [BenchRow] {
        var reference: [String: Double] = [:]
        func key(_ r: BenchRow) -> String { "\(r.group)|\(r.name)|\(r.shape)|\(r.threads)" }
        for r in rows where r.backend == "openblas" { if let rate = r.rate { reference[key(r)] = rate } }
        return rows.map { row in
            var r = row
            if let rate = r.rate, let base = reference[key(r)], base > 0 { r.ratioToOpenBLAS = rate / base }
            if let ref = ceiling.reference(for: r), ref > 0 {
                if r.unit == .gbytes, let rate = r.rate { r.ceilingShare = rate / ref }
                if r.unit != .gbytes, let g = r.gflopRate { r.ceilingShare = g / ref }
            }
            return r
        }
    }

    static func format(_ value: Double, digits: Int = 2) -> String {
        if value >= 1000 { return String(format: "%.0f", value) }
        if value >= 100 { return String(format: "%.1f", value) }
        return String(format: "%.\(digits)f", value)
    }

    static func milliseconds(_ s: Double) -> String {
        let ms = s * 1000
        return ms >= 100 ? String(format: "%.0f", ms) : ms >= 1 ? String(format: "%.2f", ms) : String(format: "%.4f", ms)
    }

    /// The terminal table: one line per row, grouped as measured.
    static func table(_ report: BenchReport) -> String {
        let (cells, groupStarts) = tableCells(report.rows)
        return (headerLines(report) + alignedLines(cells, ruleBefore: groupStarts)).joined(separator: "\n")
    }

    /// The machine, the ceiling and how to read the columns.
    static func headerLines(_ report: BenchReport) -> [String] {
        var lines: [String] = []
        let h = report.header
        lines.append("lars-bench (\(h.mode)), \(h.date)")
        lines.append("CPU:   \(h.cpu), \(h.processors) logical processors")
        lines.append("BLAS:  \(h.blas)")
        lines.append("Build: \(h.build)")
        lines.append("Load average (1/5/15 min) at start -> end: \(h.loadAverage)")
        let gemmCeil = report.ceiling.gemm.sorted { $0.key < $1.key }.map { "\($0.key)T \(format($0.value)) GFLOP/s" }
        let streamCeil = report.ceiling.stream.sorted { $0.key < $1.key }.map { "\($0.key)T \(format($0.value)) GB/s" }
        let fmaCeil = report.ceiling.fma.sorted { $0.key < $1.key }.map { "\($0.key)T \(format($0.value)) GFLOP/s" }
        lines.append("Ceiling: OpenBLAS sgemm 2048^3 \(gemmCeil.joined(separator: ", ")); stream triad \(streamCeil.joined(separator: ", "))"
            + (fmaCeil.isEmpty ? "" : "; FMA peak \(fmaCeil.joined(separator: ", "))"))
        lines.append("Times are per call: median [min-max] over the timed repetitions; rate at the median; ")
        lines.append("'x openblas' = rate / OpenBLAS rate on the same row and threads; '% ceil' = share of the ceiling at the same threads")
        lines.append("(FLOP and image rows vs gemm 2048, GB/s rows vs stream triad; image rows count the model's training FLOPs).")
        return lines
    }

    /// The column titles, then one line of cells per row; also the indices of the lines that
    /// start a group.
    static func tableCells(_ rows: [BenchRow]) -> (cells: [[String]], groupStarts: [Int]) {
        let header = ["row", "shape", "backend", "thr", "median ms", "[min-max] ms", "rate", "unit", "x openblas", "% ceil", "note"]
        var table: [[String]] = [header]
        var groups: [Int] = []
        var lastGroup = ""
        for r in rows {
            if r.group != lastGroup { groups.append(table.count); lastGroup = r.group }
            let name = "\(r.group): \(r.name)"
            guard let t = r.timing, let rate = r.rate else {
                table.append([name, r.shape, r.backend, "\(r.threads)", "-", "skipped", "", "", "", "", r.skipped ?? ""])
                continue
            }
            var unit = r.unit.rawValue
            if r.unit == .images, let g = r.gflopRate { unit += " (\(format(g)) GFLOP/s)" }
            table.append([
                name, r.shape, r.backend, "\(r.threads)", milliseconds(t.median),
                "[\(milliseconds(t.min))-\(milliseconds(t.max))]", format(rate), unit,
                r.ratioToOpenBLAS.map { String(format: "%.3f", $0) } ?? "",
                r.ceilingShare.map { String(format: "%.1f%%", $0 * 100) } ?? "",
                r.note ?? "",
            ])
        }
        return (table, groups)
    }

    /// The cells padded to their column's width (numbers right-aligned), joined by ` | `, with a
    /// rule under the titles and before each line in `ruleBefore`.
    static func alignedLines(_ table: [[String]], ruleBefore groups: [Int]) -> [String] {
        var widths = [Int](repeating: 0, count: table[0].count)
        for row in table { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        let rightAligned: Set<Int> = [3, 4, 5, 6, 8, 9]
        var lines: [String] = []
        for (index, row) in table.enumerated() {
            if groups.contains(index) || index == 1 {
                lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-"))
            }
            let cells = row.enumerated().map { i, cell -> String in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }
            lines.append(cells.joined(separator: " | "))
        }
        return lines
    }

    /// The report as pretty-printed JSON.
    static func json(_ report: BenchReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(report)
    }

    /// One CSV line per row, with every timing statistic.
    static func csv(_ report: BenchReport) -> String {
        var out = "group,name,shape,backend,threads,median_s,min_s,max_s,q1_s,q3_s,reps,rate,unit,gflop_rate,ratio_to_openblas,ceiling_share,note,skipped\n"
        func quote(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        func num(_ v: Double?) -> String { v.map { String(format: "%.6g", $0) } ?? "" }
        for r in report.rows {
            let t = r.timing
            let fields: [String] = [
                quote(r.group), quote(r.name), quote(r.shape), quote(r.backend), "\(r.threads)",
                num(t?.median), num(t?.min), num(t?.max), num(t?.q1), num(t?.q3), t.map { "\($0.reps)" } ?? "",
                num(r.rate), quote(r.unit.rawValue), num(r.gflopRate), num(r.ratioToOpenBLAS), num(r.ceilingShare),
                quote(r.note ?? ""), quote(r.skipped ?? ""),
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}
