"""Bad option values: every numeric flag x {0, -1, nan, inf, huge, empty}, unknown choices and
options that contradict each other. A refusal must name the flag."""
from .fixtures import tiny
from .runner import Case, Spec

VALUES = {"zero": "0", "negative": "-1", "nan": "nan", "inf": "inf", "huge": None, "empty": ""}
HUGE_INT = "9223372036854775807"
HUGE_FLOAT = "1e30"

# flag -> (huge value, the test values a run accepts, extra options the flag needs to matter)
NUMERIC = {
    "train-limit": (HUGE_INT, {"huge"}, {}),
    "test-limit": (HUGE_INT, {"huge"}, {}),
    "validation": (HUGE_INT, {"zero"}, {}),  # refused as "holding out N of its M images leaves none"
    "crop-padding": (HUGE_INT, {"zero"}, {}),
    "batch-size": (HUGE_INT, set(), {}),
    "micro-batch": (HUGE_INT, set(), {}),
    "grad-accum-steps": (HUGE_INT, set(), {}),
    "epochs": (HUGE_INT, set(), {}),
    "threads": (HUGE_INT, set(), {}),
    "replicas": (HUGE_INT, set(), {}),
    "eval-every": (HUGE_INT, set(), {}),
    "seed": ("18446744073709551616", {"zero"}, {}),
    "lr": (HUGE_FLOAT, set(), {}),
    "momentum": (HUGE_FLOAT, {"zero"}, {}),
    "weight-decay": (HUGE_FLOAT, {"zero"}, {}),
    "trust-coefficient": (HUGE_FLOAT, set(), {}),
    "opt-eps": (HUGE_FLOAT, {"zero"}, {}),
    "warmup-epochs": (HUGE_FLOAT, {"zero"}, {}),
    "poly-power": (HUGE_FLOAT, set(), {}),
    "min-lr": (HUGE_FLOAT, {"zero"}, {}),
    "decay-epochs": (HUGE_FLOAT, set(), {"sched": "step"}),
    "decay-rate": (HUGE_FLOAT, set(), {"sched": "step"}),
    "smoothing": (HUGE_FLOAT, {"zero"}, {}),
    "divergence-factor": (HUGE_FLOAT, {"zero"}, {}),
}

CHOICE_WORDS = {"opt": "optimizer", "sched": "schedule", "dataset": "data set", "lars-denominator": "denominator",
                "momentum-placement": "placement"}
CHOICES = ["model", "opt", "sched", "backend", "dataset", "non-finite", "lars-denominator", "momentum-placement"]


def _flag_case(ws, flag, label, value, valid, extra, words=None):
    words = words or ((flag, "holding out") if flag == "validation" else (flag,))
    def build(d):
        over = dict(extra)
        over[flag] = None
        if flag == "batch-size":
            over["batch_size"] = None
        args = tiny(ws.fashion, d + "/out", **over) + ["--%s=%s" % (flag, value)]
        return Spec(args=args, checkpoint=d + "/out/checkpoint.safetensors")
    return Case("options", "--%s %s (%r)" % (flag, label, value), build,
                "complete" if valid else "refuse", words, timeout=120)


def _combo(name, over, expect, words, extra_args=()):
    def make(ws):
        def build(d):
            args = tiny(ws.fashion, d + "/out", **over) + list(extra_args)
            return Spec(args=args, checkpoint=d + "/out/checkpoint.safetensors")
        return Case("options", name, build, expect, words, timeout=120)
    return make


COMBOS = [
    _combo("--min-lr above --lr", {"lr": "0.1", "min_lr": "0.5"}, "refuse", ("--min-lr",)),
    # Deliberately accepted (ConfigurationValidation): the schedule ends its warm-up one step
    # before the run ends, so the rate still reaches its peak.
    _combo("--warmup-epochs beyond --epochs", {"warmup_epochs": "3"}, "complete", ("--warmup-epochs",)),
    _combo("multistep milestones decreasing", {"sched": "multistep", "decay_epochs": None}, "refuse",
           ("--decay-epochs",), ["--decay-epochs", "5", "2"]),
    _combo("step schedule without --decay-epochs values", {"sched": "step", "decay_epochs": None}, "refuse",
           ("--decay-epochs",), ["--decay-epochs"]),
    _combo("-b not divisible by --grad-accum-steps", {"grad_accum_steps": "3"}, "refuse", ("accumulation", "grad-accum")),
    _combo("--replicas above --threads", {"replicas": "4"}, "refuse", ("replicas",)),
    _combo("-b larger than the training set", {"batch_size": "1024"}, "refuse", ("batch", "-b", "step of 1024")),
    _combo("-b one above the training set", {"batch_size": "257"}, "refuse", ("batch", "-b", "step of 257")),
    _combo("-b larger than the training set, --keep-last", {"batch_size": "1024", "keep_last": True}, "refuse", ("--keep-last",)),
    _combo("-b larger than the training set, --keep-last --micro-batch 1024",
           {"batch_size": "1024", "keep_last": True, "micro_batch": "1024"}, "complete", ()),
    _combo("--validation takes every training image", {"validation": "512", "train_limit": None}, "refuse", ("--validation", "holding out")),
    _combo("--validation leaves less than a batch", {"validation": "480", "train_limit": None}, "refuse", ("--validation", "holding out", "step of 64")),
    _combo("--train-limit 1 -b 1", {"train_limit": "1", "batch_size": "1"}, "complete", ()),
    _combo("--lr 1e-50 (underflows Float to 0)", {"lr": "1e-50"}, "refuse", ("--lr",)),
    _combo("--lr 1e39 (overflows Float)", {"lr": "1e39"}, "refuse", ("--lr",)),
    _combo("--momentum 0.999999999 (rounds to 1)", {"momentum": "0.999999999"}, "refuse", ("--momentum",)),
    _combo("--weight-decay=-0", {}, "complete", (), ["--weight-decay=-0"]),
    _combo("--train-limit 2^64 (does not parse)", {"train_limit": "18446744073709551616"}, "refuse", ("--train-limit",)),
    _combo("--epochs 1.5", {"epochs": "1.5"}, "refuse", ("--epochs",)),
    _combo("--lr 0x10 (hex float)", {"lr": "0x10"}, "either", ("--lr",)),
    _combo("--micro-batch 16777216 (the bound)", {"micro_batch": "16777216"}, "complete", ()),
    _combo("--eval-every beyond --epochs", {"eval_every": "7"}, "complete", ()),
    _combo("--data-dir empty", {"data_dir": ""}, "refuse", ("--data-dir",)),
    _combo("--data-dir missing", {"data_dir": "/nonexistent/data"}, "refuse", ("/nonexistent/data",)),
    _combo("--data-dir is a file", {"data_dir": "/etc/hostname"}, "refuse", ("/etc/hostname",)),
    _combo("--dataset cifar10 on Fashion-MNIST files", {"dataset": "cifar10"}, "refuse", ("data_batch", "cifar")),
    _combo("unknown flag", {}, "refuse", ("--frobnicate",), ["--frobnicate"]),
    _combo("stray positional argument", {}, "refuse", ("unexpected", "extra"), ["stray"]),
    _combo("--resume with --overwrite", {"resume": "/nonexistent.safetensors", "overwrite": True}, "refuse", ("--overwrite",)),
]


def cases(ws):
    out = []
    for flag, (huge, valid, extra) in NUMERIC.items():
        for label, value in VALUES.items():
            value = huge if value is None else value
            out.append(_flag_case(ws, flag, label, value, label in valid, extra))
    for flag in CHOICES:
        for value in ("foo", ""):
            out.append(_flag_case(ws, flag, "unknown", value, False, {}, words=(CHOICE_WORDS.get(flag, flag), "--" + flag)))
    out += [make(ws) for make in COMBOS]
    return out
