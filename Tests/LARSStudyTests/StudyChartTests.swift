import Testing
import LARSTraining
@testable import LARSStudy

/// The study's charts: a stated accuracy axis, diverged cells marked, layer names as categories.
struct StudyChartTests {
    @Test func theAccuracyAxisStartsAtTheStatedValueNotAtTheDataMinimum() {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: [(1, 90), (2, 92)])])
        #expect(!chart.svg().contains(">50</text>"))
        chart.yAxisIncludes = [50]
        #expect(chart.svg().contains(">50</text>"))
        // A point below the stated start still shows: the axis goes down to it.
        chart.series = [.init(name: "s", points: [(1, 10), (2, 92)])]
        #expect(chart.svg().contains(">20</text>"))
    }

    @Test func aDivergedCellIsAMarkedPointNotAGap() {
        let header = WritersTests.header
        let chart = StudyHTML.accuracyChart(WritersTests.rows, settings: header.settings)
        #expect(chart.failures.count == 1)
        #expect(chart.failures.first?.x == 8192 && chart.failures.first?.series == 0)
        let svg = chart.svg()
        #expect(svg.contains("<title>sgd b8192: diverged</title>"))
        #expect(svg.contains("axis from 50"))
    }

    @Test func thePerLayerChartNamesItsLayersOnACategoricalAxis() {
        let rows = ["conv1.weight", "conv2.weight", "fc1.weight"].enumerated().map { i, name in
            TrustRow(step: 1, parameter: name, weightNorm: Double(i + 1), gradientNorm: 0.5, trustRatio: 0.01)
        }
        let (chart, layers) = StudyHTML.firstStepChart([(batch: 512, rows: rows)])
        #expect(layers == ["conv1.weight", "conv2.weight", "fc1.weight"])
        let svg = chart.svg()
        for name in layers { #expect(svg.contains(">\(name)</text>"), "\(name)") }
        #expect(!svg.contains(">1.5</text>") && !svg.contains(">2.5</text>"))
    }
}
