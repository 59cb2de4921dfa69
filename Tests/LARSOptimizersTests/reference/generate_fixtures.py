#!/usr/bin/env python3
"""Reference trajectories for Tests/LARSOptimizersTests/Fixture.swift, in float64 NumPy.

Each optimizer is written from its paper's formula, not from the Swift code:

* LARS: You, Gitman & Ginsburg 2017 (arXiv 1708.03888), Algorithm 1, plus the variants that
  implementations add (zero-norm ratio 1, epsilon, the update-norm denominator, LARC clipping,
  the rate after the momentum buffer, Nesterov).
* SGD with heavy-ball or Nesterov momentum and coupled L2 decay (torch.optim.SGD, Caffe).
* AdamW: Loshchilov & Hutter (arXiv 1711.05101), decoupled decay, as torch.optim.AdamW.
* LAMB: You et al. 2019 (arXiv 1904.00962), Adam direction plus decay, then phi(|w|) / |r|.

The problem: a 3-element weight (adapted, weight decay 0.01) and a 2-element bias (excluded:
no trust ratio, no decay), three steps with the gradients and learning rates below.

Usage:
    generate_fixtures.py            JSON {variant: [[weight..., bias...] after each step]}
    generate_fixtures.py --swift    the `referenceValues` literal for Fixture.swift

To add a variant, add an entry to VARIANTS, paste the --swift output into Fixture.swift and
test it in ReferenceStepTests.swift.
"""

import json
import sys

try:
    import numpy as np
except ImportError:
    print("numpy is missing: pip install numpy", file=sys.stderr)
    sys.exit(3)

WEIGHT = [0.5, -1.0, 2.0]
BIAS = [0.1, -0.2]
WEIGHT_GRADIENTS = [[0.1, 0.2, -0.3], [0.05, -0.1, 0.2], [-0.2, 0.1, 0.0]]
BIAS_GRADIENTS = [[0.3, -0.1], [0.2, 0.2], [-0.1, 0.05]]
LEARNING_RATES = [1.0, 0.5, 0.2]
WEIGHT_DECAY = 0.01


def tensors():
    """(value, gradients per step, weight decay, adapted) for the weight and the bias."""
    return [
        (np.array(WEIGHT, dtype=np.float64), WEIGHT_GRADIENTS, WEIGHT_DECAY, True),
        (np.array(BIAS, dtype=np.float64), BIAS_GRADIENTS, 0.0, False),
    ]


def norm(x):
    return float(np.sqrt(np.sum(x * x)))


def run(rule):
    """Applies `rule(state, w, g, lr, decay, adapted, t)` (returns the new w) for three steps."""
    params = tensors()
    states = [dict() for _ in params]
    trajectory = []
    for t in range(3):
        values = []
        for k, (w, grads, decay, adapted) in enumerate(params):
            g = np.array(grads[t], dtype=np.float64)
            w = rule(states[k], w, g, LEARNING_RATES[t], decay, adapted, t + 1)
            params[k] = (w, grads, decay, adapted)
            values.extend(w.tolist())
        trajectory.append(values)
    return trajectory


def lars(eta=0.1, momentum=0.9, eps=0.0, denominator="paper", nesterov=False, after=False, clip=False):
    """Algorithm 1: lambda = eta |w| / (|g| + beta |w|), v = m v + gamma lambda (g + beta w),
    w = w - v. Variants: denominator |g + beta w| (TF, optax); LARC clip, local rate
    min(lambda, gamma); the rate after the buffer (PyTorch: v = m v + lambda d, w -= gamma v,
    and with clipping lambda becomes min(lambda / gamma, 1)); Nesterov steps by m v_new + (rate) d."""

    def rule(state, w, g, lr, decay, adapted, t):
        d = g + decay * w
        ratio = 1.0
        if adapted:
            nw = norm(w)
            gradient_term = norm(g) if denominator == "paper" else norm(d)
            if nw > 0 and gradient_term > 0:
                den = norm(g) + decay * nw if denominator == "paper" else norm(d)
                ratio = eta * nw / (den + eps)
        if after:
            into = (min(ratio / lr, 1.0) if lr > 0 else 1.0) if (clip and adapted) else ratio
            out = lr
        else:
            into = min(ratio, lr) if (clip and adapted) else lr * ratio
            out = 1.0
        v = momentum * state.get("v", np.zeros_like(w)) + into * d
        state["v"] = v
        step = momentum * v + into * d if nesterov else v
        return w - out * step

    return rule


def sgd(momentum=0.9, nesterov=False, inside=False):
    """d = g + beta w; v = m v + d, w -= gamma v (PyTorch) or v = m v + gamma d, w -= v (Caffe);
    Nesterov steps by m v + d (times the rate after the buffer)."""

    def rule(state, w, g, lr, decay, adapted, t):
        d = g + decay * w
        into, out = (lr, 1.0) if inside else (1.0, lr)
        v = momentum * state.get("v", np.zeros_like(w)) + into * d
        state["v"] = v
        step = momentum * v + into * d if nesterov else v
        return w - out * step

    return rule


def adam_direction(state, g, t, beta1, beta2, eps, bias_correction):
    """Adam's moments and direction m_hat / (sqrt(v_hat) + eps) (Kingma & Ba, Algorithm 1)."""
    m = beta1 * state.get("m", np.zeros_like(g)) + (1 - beta1) * g
    v = beta2 * state.get("v", np.zeros_like(g)) + (1 - beta2) * g * g
    state["m"], state["v"] = m, v
    c1 = 1 - beta1**t if bias_correction else 1.0
    c2 = 1 - beta2**t if bias_correction else 1.0
    return (m / c1) / (np.sqrt(v / c2) + eps)


def adamw(beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
    """w -= gamma (u + beta w): the decay never enters the moments."""

    def rule(state, w, g, lr, decay, adapted, t):
        u = adam_direction(state, g, t, beta1, beta2, eps, bias_correction)
        return w - lr * (u + decay * w)

    return rule


def lamb(beta1=0.9, beta2=0.999, eps=1e-6, clamp=None):
    """r = Adam direction + beta w; ratio = phi(|w|) / |r| (1 if either is 0 or the group is
    excluded); w -= gamma ratio r. phi is the identity or a clamp to [lower, upper]."""

    def rule(state, w, g, lr, decay, adapted, t):
        r = adam_direction(state, g, t, beta1, beta2, eps, True) + decay * w
        ratio = 1.0
        if adapted:
            phi = norm(w)
            if clamp is not None:
                phi = min(max(phi, clamp[0]), clamp[1])
            nr = norm(r)
            if phi > 0 and nr > 0:
                ratio = phi / nr
        return w - lr * ratio * r

    return rule


VARIANTS = {
    "lars.paper": lars(),
    "lars.updateNorm": lars(denominator="update"),
    "lars.nesterov": lars(nesterov=True),
    "lars.afterMomentum": lars(after=True),
    "lars.afterMomentum.nesterov": lars(after=True, nesterov=True),
    "lars.clip": lars(clip=True),
    "lars.clip.afterMomentum": lars(clip=True, after=True),
    "lars.epsilon": lars(eps=0.1),
    "lars.defaultEta": lars(eta=0.001),
    "sgd.afterMomentum": sgd(),
    "sgd.insideMomentum": sgd(inside=True),
    "sgd.nesterov": sgd(nesterov=True),
    "sgd.plain": sgd(momentum=0.0),
    "adamw": adamw(),
    "adamw.noBiasCorrection": adamw(bias_correction=False),
    "lamb": lamb(),
    "lamb.clamp": lamb(clamp=(0.0, 1.5)),
}


def main():
    results = {name: run(rule) for name, rule in VARIANTS.items()}
    if "--swift" in sys.argv[1:]:
        print("let referenceValues: [String: [[Float]]] = [")
        for name, steps in results.items():
            print(f'        "{name}": [')
            for values in steps:
                print("            [" + ", ".join(f"{x:.9g}" for x in values) + "],")
            print("        ],")
        print("]")
    else:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
