import Testing
import LARSTraining

/// The two opt-in LineChart extensions lars-study uses; the defaults draw as before.
struct LineChartAxisTests {
    static let points: [(x: Double, y: Double)] = [(128, 90), (512, 91), (2048, .nan), (8192, 88)]

    @Test func aNonFinitePointBreaksTheLineOnlyWhenAsked() {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: Self.points)])
        #expect(chart.svg().components(separatedBy: "<polyline").count - 1 == 1)
        chart.gapsAtNonFinite = true
        let svg = chart.svg()
        // 128-512 is a line; 8192 alone is a dot.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 1)
    }

    @Test func aLogTwoAxisHasPowerOfTwoTicksEvenlySpaced() {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: Self.points)])
        chart.logarithmicX = true
        let svg = chart.svg()
        for tick in [128, 256, 512, 1024, 2048, 4096, 8192] {
            #expect(svg.contains(">\(tick)</text>"), "no tick at \(tick)")
        }
        // 128 at the left edge (x 64) and 8192 at the right (x 64 + 346): 512 is a third of the way.
        #expect(svg.contains("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"64.0,"))
        #expect(svg.contains(" 179.3,"), "\(svg)")
    }
}
