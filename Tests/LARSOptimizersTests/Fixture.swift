import LARSCore
import LARSOptimizers

// A two-tensor problem small enough to check by hand: a 3-element weight (adapted, decay 0.01)
// and a 2-element bias (excluded), three steps with different gradients and learning rates
// (a changing rate is what separates the two momentum placements and the LARC clip).
enum Fixture {
    static let weight: [Float] = [0.5, -1.0, 2.0]
    static let bias: [Float] = [0.1, -0.2]
    static let weightGradients: [[Float]] = [[0.1, 0.2, -0.3], [0.05, -0.1, 0.2], [-0.2, 0.1, 0.0]]
    static let biasGradients: [[Float]] = [[0.3, -0.1], [0.2, 0.2], [-0.1, 0.05]]
    static let learningRates: [Float] = [1.0, 0.5, 0.2]
    static let weightDecay: Float = 0.01

    /// Fresh parameters, named `fc.weight` and `fc.bias`.
    static func parameters() -> [NamedParameter] {
        [
            NamedParameter(name: "fc.weight", parameter: Parameter(Tensor(weight), kind: .weight)),
            NamedParameter(name: "fc.bias", parameter: Parameter(Tensor(bias), kind: .bias)),
        ]
    }

    /// Runs three steps of the optimizer built by `make` and returns weight and bias values
    /// (concatenated) after each.
    static func run(_ make: ([ParameterGroup]) -> any Optimizer) throws -> [[Float]] {
        let parameters = parameters()
        let optimizer = make(ParameterGroup.byKind(parameters, weightDecay: weightDecay))
        let context = ExecutionContext()
        var values: [[Float]] = []
        for t in 0..<3 {
            parameters[0].parameter.grad = Tensor(weightGradients[t])
            parameters[1].parameter.grad = Tensor(biasGradients[t])
            try optimizer.step(learningRate: learningRates[t], context: context)
            values.append(parameters[0].parameter.value.scalars + parameters[1].parameter.value.scalars)
        }
        return values
    }
}

// Expected values after steps 1, 2 and 3 ([weight..., bias...]), computed in Double by an
// independent script that applies each documented formula literally (trust coefficient 0.1,
// momentum 0.9 unless the name says otherwise).
let referenceValues: [String: [[Float]]] = [
        "lars.paper": [
            [0.439411186, -1.1096369, 2.16157017, -0.2, -0.1],
            [0.358423987, -1.1542729, 2.19918957, -0.57, -0.11],
            [0.325172803, -1.21229624, 2.22860899, -0.883, -0.129],
        ],
        "lars.updateNorm": [
            [0.432094674, -1.1228763, 2.18108087, -0.2, -0.1],
            [0.344345621, -1.17892808, 2.23529695, -0.57, -0.11],
            [0.311661134, -1.25014857, 2.27882723, -0.883, -0.129],
        ],
        "lars.nesterov": [
            [0.384881254, -1.20831011, 2.30698332, -0.47, -0.01],
            [0.283085801, -1.18738555, 2.21946761, -0.903, -0.119],
            [0.292679156, -1.25460584, 2.23556843, -1.1647, -0.1461],
        ],
        "lars.afterMomentum": [
            [0.439411186, -1.1096369, 2.16157017, -0.2, -0.1],
            [0.385688953, -1.10493629, 2.12648299, -0.435, -0.155],
            [0.404761949, -1.12066432, 2.10968706, -0.4996, -0.1848],
        ],
        "lars.afterMomentum.nesterov": [
            [0.384881254, -1.20831011, 2.30698332, -0.47, -0.01],
            [0.30762427, -1.14298261, 2.1540317, -0.7815, -0.1595],
            [0.363907105, -1.17358657, 2.13224173, -0.81964, -0.19632],
        ],
        "lars.clip": [
            [0.439411186, -1.1096369, 2.16157017, -0.2, -0.1],
            [0.357684198, -1.15276193, 2.19617547, -0.57, -0.11],
            [0.32341454, -1.20926893, 2.22292789, -0.883, -0.129],
        ],
        "lars.clip.afterMomentum": [
            [0.439411186, -1.1096369, 2.16157017, -0.2, -0.1],
            [0.384949164, -1.10342532, 2.1234689, -0.435, -0.155],
            [0.404572938, -1.1189823, 2.1055055, -0.4996, -0.1848],
        ],
        "lars.epsilon": [
            [0.451600166, -1.08758065, 2.12906622, -0.2, -0.1],
            [0.389277222, -1.12824246, 2.16906291, -0.57, -0.11],
            [0.361060332, -1.17744798, 2.20197693, -0.883, -0.129],
        ],
        "lars.defaultEta": [
            [0.499394112, -1.00109637, 2.0016157, -0.2, -0.1],
            [0.498598666, -1.0015827, 2.00206906, -0.57, -0.11],
            [0.498245592, -1.00218782, 2.00243984, -0.883, -0.129],
        ],
        "sgd.afterMomentum": [
            [0.395, -1.19, 2.28, -0.2, -0.1],
            [0.320775, -1.21955, 2.2946, -0.435, -0.155],
            [0.33341245, -1.2477489, 2.2952668, -0.4996, -0.1848],
        ],
        "sgd.insideMomentum": [
            [0.395, -1.19, 2.28, -0.2, -0.1],
            [0.273525, -1.30505, 2.4206, -0.57, -0.11],
            [0.20365045, -1.4259849, 2.5422988, -0.883, -0.129],
        ],
        "sgd.nesterov": [
            [0.3005, -1.361, 2.532, -0.47, -0.01],
            [0.20762025, -1.3300205, 2.431346, -0.7815, -0.1595],
            [0.258935483, -1.3722636, 2.42642905, -0.81964, -0.19632],
        ],
        "sgd.plain": [
            [0.395, -1.19, 2.28, -0.2, -0.1],
            [0.368025, -1.13405, 2.1686, -0.3, -0.2],
            [0.40728895, -1.1517819, 2.1642628, -0.28, -0.21],
        ],
        "adamw": [
            [-0.5049999, -1.98999995, 2.97999997, -0.899999967, 0.7999999],
            [-0.968564661, -2.11321846, 3.03736023, -1.38517601, 0.616948148],
            [-0.925356129, -2.19877268, 3.05362846, -1.49555439, 0.533817914],
        ],
        "adamw.noBiasCorrection": [
            [-2.66726766, -4.15227266, 5.14227433, -3.06227433, 2.96226766],
            [-4.63461714, -4.69742233, 5.42363931, -5.12407269, 2.18437351],
            [-4.42104502, -5.13246231, 5.52339483, -5.67047118, 1.77285982],
        ],
        "lamb": [
            [-0.840585234, -2.32058297, 3.3072459, -0.899996667, 0.79999],
            [-2.82253122, -2.84222122, 3.54635829, -1.38517083, 0.616939394],
            [-2.30765163, -3.76512501, 3.7137203, -1.4955487, 0.533809783],
        ],
        "lamb.clamp": [
            [-0.377619044, -1.86452449, 2.85579333, -0.899996667, 0.79999],
            [-1.09705183, -2.05646545, 2.94565507, -1.38517083, 0.616939394],
            [-0.963259816, -2.32016086, 2.99629523, -1.4955487, 0.533809783],
        ],
]
