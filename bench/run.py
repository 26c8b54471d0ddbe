"""The benchmark suite: one command for every suite, or one of them.

    python bench/run.py [--suite NAME] [--threads 1,2] [--quick] [--repeats N]
    python -m fastnn bench ...        (the same, from a source checkout)

Suites: limits (FMA peak, bandwidth), kernels (GEMM and fused linear,
activations, losses, dropout, gather, optimizer steps), train (epochs of the
chapters' MLPs beside PyTorch, numpy and scikit-learn), latency (per-step
overhead of small nets, one-sample inference), examples (the Fashion-MNIST
example scripts beside the same scripts on PyTorch), all (the default). After
the runs, BENCHMARKS.md is written from the newest JSON of each kind.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SUITES = {
    "limits": ["limits"],
    "kernels": ["gemm", "kernels", "optim"],
    "train": ["train"],
    "latency": ["overhead"],
    "examples": ["examples"],
}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 add_help=False)
    ap.add_argument("--suite", default="all", choices=sorted(SUITES) + ["all"])
    ap.add_argument("--no-report", action="store_true", help="do not rewrite BENCHMARKS.md")
    ap.add_argument("-h", "--help", action="store_true")
    known, rest = ap.parse_known_args(argv)
    if known.help:
        print(__doc__)
        return 0
    names = [m for s in (SUITES if known.suite == "all" else [known.suite]) for m in SUITES[s]]
    for name in names:
        print(f"\n######## {name}")
        module = __import__(name)
        module.main(rest)
    if not known.no_report:
        import report
        print(f"wrote {report.write()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
