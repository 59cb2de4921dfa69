import Foundation
import LARSTestSupport
import Testing

/// `reference/generate_fixtures.py` (NumPy, float64, written from the papers' formulas) must
/// reproduce every trajectory in `Fixture.swift`, so that the fixture is the script's output and
/// a new variant is added by extending the script.
@Suite struct ReferenceGeneratorTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("reference/generate_fixtures.py")

    static let pythonHasNumPy: Bool = {
        (try? runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import numpy"]))?.status == 0
    }()

    @Test func scriptReproducesTheFixture() throws {
        guard Self.pythonHasNumPy else {
            print("ReferenceGeneratorTests skipped: python3 with numpy not found (pip install numpy)")
            return
        }
        let (status, output) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.script.path])
        try #require(status == 0, "generate_fixtures.py failed: \(output)")
        let generated = try JSONDecoder().decode([String: [[Double]]].self, from: Data(output.utf8))
        #expect(Set(generated.keys) == Set(referenceValues.keys), "variants differ between script and fixture")
        for (name, steps) in referenceValues.sorted(by: { $0.key < $1.key }) {
            guard let expected = generated[name] else { continue }
            try #require(expected.count == steps.count && zip(expected, steps).allSatisfy { $0.count == $1.count })
            // The fixture holds the script's values printed to 9 significant digits as Float
            // literals: they agree to Float rounding, about 6e-8 relative.
            for (step, (values, fixture)) in zip(expected, steps).enumerated() {
                let error = zip(values, fixture).map { abs($0 - Double($1)) / max(abs($0), 1e-3) }.max() ?? 0
                #expect(error < 1e-7, "\(name) step \(step + 1): script \(values), fixture \(fixture)")
            }
        }
    }
}
