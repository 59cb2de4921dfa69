import LARSCore
import LARSNN
import Testing

@testable import LARSOptimizers

/// Save/restore continues identically; restore errors name the entry; telemetry matches norms
/// recomputed in Double.
@Suite struct StateAndTelemetryTests {
    static func run(_ optimizer: any Optimizer, _ parameters: [NamedParameter], steps: Range<Int>) throws {
        for step in steps {
            ModelLevelTests.fillGradients(parameters, seed: UInt64(500 + step))
            try optimizer.step(learningRate: 0.1 / Float(step + 1), context: ExecutionContext())
        }
    }

    static let optimizerNames = ["LARS", "LARS.nesterov.after", "LAMB", "SGD", "AdamW"]

    static func make(_ which: String, _ groups: [ParameterGroup]) -> any Optimizer {
        switch which {
        case "LARS": return LARS(groups: groups)
        case "LARS.nesterov.after": return LARS(groups: groups, options: .init(nesterov: true, placement: .afterMomentum))
        case "LAMB": return LAMB(groups: groups)
        case "SGD": return SGD(groups: groups)
        default: return AdamW(groups: groups)
        }
    }

    @Test(arguments: optimizerNames)
    func saveAndRestoreContinuesIdentically(_ which: String) throws {
        let original = ModelLevelTests.resNet().namedParameters
        let optimizer = Self.make(which, ParameterGroup.byKind(original, weightDecay: 1e-3))
        try Self.run(optimizer, original, steps: 0..<2)
        let saved = optimizer.state()
        let savedValues = original.map(\.parameter.value)
        try Self.run(optimizer, original, steps: 2..<4)

        // A fresh model and optimizer, loaded with the saved values and state.
        let resumed = ModelLevelTests.resNet(seed: 99).namedParameters
        for (p, value) in zip(resumed, savedValues) { p.parameter.value = value }
        let second = Self.make(which, ParameterGroup.byKind(resumed, weightDecay: 1e-3))
        try second.restore(saved)
        #expect(second.stepCount == 2)
        try Self.run(second, resumed, steps: 2..<4)
        for (x, y) in zip(original, resumed) {
            #expect(x.parameter.value.scalars == y.parameter.value.scalars, "\(which): \(x.name)")
        }
        #expect(second.state() == optimizer.state())
    }

    @Test func stateKeysNameTheBufferAndTheParameter() {
        let parameters = ModelLevelTests.resNet().namedParameters
        let state = LARS(groups: ParameterGroup.byKind(parameters, weightDecay: 1e-3)).state()
        #expect(state.tensors.count == parameters.count)
        #expect(state.tensors["lars.momentum.stage1.block0.conv1.weight"]?.shape == [16, 16, 3, 3])
        #expect(state.scalars == ["lars.stepCount": 0])
    }

    @Test func restoreRejectsMissingMisshapedAndForeignEntries() throws {
        let parameters = Fixture.parameters()
        let lars = LARS(groups: ParameterGroup.byKind(parameters, weightDecay: 0.01))
        let good = lars.state()

        var missing = good
        missing.tensors["lars.momentum.fc.bias"] = nil
        #expect(throws: OptimizerError.missingStateEntry(optimizer: "LARS", key: "lars.momentum.fc.bias")) {
            try lars.restore(missing)
        }
        var misshaped = good
        misshaped.tensors["lars.momentum.fc.weight"] = Tensor(zeros: [4])
        #expect(throws: OptimizerError.stateShapeMismatch(optimizer: "LARS", key: "lars.momentum.fc.weight", expected: [3], found: [4])) {
            try lars.restore(misshaped)
        }
        var foreign = good
        foreign.tensors["lars.momentum.fc2.weight"] = Tensor(zeros: [3])
        foreign.tensors["model.fc.weight"] = Tensor(zeros: [3])  // other prefixes are not ours to judge
        #expect(throws: OptimizerError.unexpectedStateEntry(optimizer: "LARS", key: "lars.momentum.fc2.weight")) {
            try lars.restore(foreign)
        }
        var noCount = good
        noCount.scalars = [:]
        #expect(throws: OptimizerError.missingStateEntry(optimizer: "LARS", key: "lars.stepCount")) {
            try lars.restore(noCount)
        }
        var badCount = good
        badCount.scalars["lars.stepCount"] = -1
        #expect(throws: OptimizerError.self) { try lars.restore(badCount) }
        #expect(OptimizerError.missingStateEntry(optimizer: "LARS", key: "k").description.contains("k"))
        // A failed restore changes nothing.
        try lars.restore(good)
        #expect(lars.state() == good)
    }

    static func doubleNorm(_ t: Tensor) -> Double { t.scalars.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    @Test(arguments: LARS.RateMode.allCases, LARS.Denominator.allCases)
    func trustRatioReportMatchesIndependentNorms(_ mode: LARS.RateMode, _ denominator: LARS.Denominator) throws {
        let parameters = ModelLevelTests.resNet().namedParameters
        ModelLevelTests.fillGradients(parameters, seed: 42)
        let snapshot = parameters.map { ($0.name, $0.parameter.value, $0.parameter.grad, $0.parameter.kind) }
        let eta = 0.001, beta = 5e-4, rate = 0.8
        let lars = LARS(
            groups: ParameterGroup.byKind(parameters, weightDecay: Float(beta)),
            options: .init(denominator: denominator, rateMode: mode))
        let report = try lars.step(learningRate: Float(rate), context: ExecutionContext())
        #expect(report.parameters.count == parameters.count)
        #expect(Set(report.parameters.map(\.name)) == Set(parameters.map(\.name)))
        for (name, w, g, kind) in snapshot {
            let record = report.parameters.first { $0.name == name }!
            let nw = Self.doubleNorm(w), ng = Self.doubleNorm(g)
            #expect(abs(Double(record.weightNorm) - nw) <= 1e-5 * nw, "\(name) ‖w‖")
            #expect(abs(Double(record.gradientNorm) - ng) <= 1e-5 * ng, "\(name) ‖g‖")
            if kind == .weight {
                let decayed = Self.doubleNorm(Tensor(shape: g.shape, scalars: zip(g.scalars, w.scalars).map { $0 + Float(beta) * $1 }))
                let lambda = eta * nw / (denominator == .paper ? ng + beta * nw : decayed)
                let effective = mode == .scale ? rate * lambda : min(lambda, rate)
                #expect(record.group == "adapted")
                #expect(abs(Double(record.trustRatio) - lambda) <= 1e-5 * lambda, "\(name) ratio")
                #expect(abs(Double(record.effectiveLearningRate) - effective) <= 1e-5 * effective, "\(name) rate")
            } else {
                #expect(record.group == "excluded" && record.trustRatio == 1 && record.effectiveLearningRate == Float(rate))
            }
        }
    }
}
