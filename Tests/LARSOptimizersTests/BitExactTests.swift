import LARSCore
import Testing

@testable import LARSOptimizers

/// Pins the exact bits of a few steps of every optimizer, recorded from the code before the
/// step-driver refactor of issue #12. A refactor that claims to change no arithmetic must keep
/// these; the reference-trajectory tests only bound the error.
///
/// The tensors are longer than 16 elements so that the vector loops and their scalar tails both
/// run. Each case is one FNV-1a hash over the bit patterns of every parameter value after every
/// step and of every telemetry field of the reports.
@Suite struct BitExactTests {
    /// Deterministic values in [-scale, scale] (a 64-bit LCG; no library generator, whose
    /// sequence could change under us).
    static func values(_ count: Int, seed: UInt64, scale: Float) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Float(state >> 40) / Float(1 << 24)
            return (2 * unit - 1) * scale
        }
    }

    static let shapes: [(String, Parameter.Kind, Int)] = [
        ("conv.weight", .weight, 37), ("fc.weight", .weight, 64), ("fc.bias", .bias, 5), ("bn.scale", .normScale, 3),
    ]

    /// Runs three steps of the optimizer `make` builds and hashes values and telemetry.
    static func fingerprint(_ make: ([ParameterGroup]) -> any Optimizer) throws -> UInt64 {
        let parameters = shapes.enumerated().map { i, s in
            NamedParameter(name: s.0, parameter: Parameter(Tensor(values(s.2, seed: UInt64(i), scale: 1)), kind: s.1))
        }
        let optimizer = make(ParameterGroup.byKind(parameters, weightDecay: 5e-3))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ x: Float) {
            var bits = UInt64(x.bitPattern)
            for _ in 0..<4 {
                hash = (hash ^ (bits & 0xff)) &* 0x100_0000_01b3
                bits >>= 8
            }
        }
        let rates: [Float] = [0.5, 0.3, 0.1]
        for t in 0..<3 {
            for (i, p) in parameters.enumerated() {
                p.parameter.grad = Tensor(values(shapes[i].2, seed: UInt64(100 * t + i + 7), scale: 0.05))
            }
            let report = try optimizer.step(learningRate: rates[t], context: ExecutionContext())
            for p in parameters { p.parameter.value.scalars.forEach(mix) }
            for r in report.parameters {
                [r.weightNorm, r.gradientNorm, r.trustRatio, r.effectiveLearningRate].forEach(mix)
            }
        }
        return hash
    }

    static let cases: [(String, @Sendable ([ParameterGroup]) -> any Optimizer)] = [
        ("lars.paper", { LARS(groups: $0, options: .init(trustCoefficient: 0.1)) }),
        ("lars.unchecked", { LARS(groups: $0, options: .init(trustCoefficient: 0.1, nonFiniteGradients: .unchecked)) }),
        ("lars.noTelemetry", { LARS(groups: $0, options: .init(trustCoefficient: 0.1, recordsTelemetry: false)) }),
        ("lars.updateNorm", { LARS(groups: $0, options: .init(trustCoefficient: 0.1, denominator: .updateNorm)) }),
        ("lars.nesterov", { LARS(groups: $0, options: .init(trustCoefficient: 0.1, nesterov: true)) }),
        ("lars.after", { LARS(groups: $0, options: .init(trustCoefficient: 0.1, placement: .afterMomentum)) }),
        ("lars.clip", { LARS(groups: $0, options: .init(trustCoefficient: 0.1, rateMode: .clip)) }),
        ("lars.clip.after", {
            LARS(groups: $0, options: .init(trustCoefficient: 0.1, placement: .afterMomentum, rateMode: .clip))
        }),
        ("lars.epsilon", { LARS(groups: $0, options: .init(trustCoefficient: 0.1, epsilon: 0.01)) }),
        ("sgd.after", { SGD(groups: $0) }),
        ("sgd.inside", { SGD(groups: $0, placement: .insideMomentum, nonFiniteGradients: .throwError) }),
        ("sgd.nesterov", { SGD(groups: $0, nesterov: true) }),
        ("adamw", { AdamW(groups: $0) }),
        ("adamw.noBiasCorrection", { AdamW(groups: $0, hyperparameters: .init(biasCorrection: false)) }),
        ("lamb", { LAMB(groups: $0) }),
        ("lamb.clamp", { LAMB(groups: $0, weightNormClamp: 0.5...2) }),
    ]

    /// Recorded from commit 51860a2 (before the refactor); LAMB since, see below.
    static let recorded: [String: UInt64] = [
        "lars.paper": 0x9520_70a5_f626_5930, "lars.unchecked": 0x9520_70a5_f626_5930,
        "lars.noTelemetry": 0x8c24_d14c_6c3c_6291, "lars.updateNorm": 0x3b6d_d30e_19d6_657a,
        "lars.nesterov": 0xf740_3eb2_38e9_51dc, "lars.after": 0x8247_04f7_c33d_5d27,
        "lars.clip": 0xdf30_69e0_6064_df94, "lars.clip.after": 0x564e_65b5_d79c_45f7,
        "lars.epsilon": 0xc376_4f2c_4d4c_507e,
        "sgd.after": 0x4788_51ed_f199_6841, "sgd.inside": 0x5466_4df9_21bd_10f4, "sgd.nesterov": 0x35b2_d043_5ade_f33f,
        "adamw": 0xe561_c4a6_f40f_fdb3, "adamw.noBiasCorrection": 0x102f_8623_b87b_ad8a,
        // LAMB re-recorded once, on purpose: it now shares AdamW's moment update, which divides by
        // the bias corrections where LAMB multiplied by their reciprocals (about 1 ulp per element;
        // the reference trajectories still hold). Before: 0xa084_46de_ccfa_9b1c, 0xccbd_0f0d_8695_51b8.
        "lamb": 0x432e_0953_96e0_7846, "lamb.clamp": 0x2e29_0033_6d35_599f,
    ]

    @Test(arguments: cases.map(\.0))
    func stepsKeepTheirBits(_ name: String) throws {
        let make = Self.cases.first { $0.0 == name }!.1
        let hash = try Self.fingerprint(make)
        let expected = Self.recorded[name]
        if expected != hash { print("BITPIN \"\(name)\": 0x\(String(hash, radix: 16)),") }
        #expect(expected == hash, "\(name): bits changed")
    }
}
