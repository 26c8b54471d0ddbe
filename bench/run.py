"""The benchmark suite: one command for every suite, or one of them.

    python -m fastnn bench [--suite NAME] [--threads 1,2] [--quick] [--repeats N]
                           [--results DIR] [--no-report]

Suites: limits (FMA peak, bandwidth), kernels (GEMM and fused linear,
activations, losses, dropout, gather, optimizer steps), train (epochs of the
chapters' MLPs beside PyTorch, numpy and scikit-learn), latency (per-step
overhead of small nets, one-sample inference), compiled (the compiled step
and forward beside their eager selves, PyTorch eager, torch.compile and
numpy: the small step, a 784-256-10 step, one sample, epochs with the plan's
own timers), sklearn (fastnn.sklearn's MLPClassifier and MLPRegressor
beside scikit-learn's on its data sets and Fashion-MNIST, and a grid search
serial, on joblib, Dask and Ray), scaling (the training step's
products and its epoch from 1 thread up to every CPU, then fastnn with a
core taken, numpy called in between and more threads than CPUs; its
--threads defaults to 1, 2, 4, ... up to the CPU count), examples (the
Fashion-MNIST example scripts beside the same scripts on PyTorch; needs the
examples/ folder of a source checkout), all (the default). After the runs,
BENCHMARKS.md is written from the newest JSON of each kind.

Results (JSON, BENCHMARKS.md, plots) go to --results DIR, else
$FASTNN_BENCH_RESULTS, else bench/results/ in a source checkout, else
./fastnn-bench-results/. Peers that are not installed are skipped with a
note; nothing is installed or downloaded. Each suite is also a module:
python -m fastnn.bench.gemm --help, and so on.
"""
import argparse
import importlib
import os
import sys

SUITES = {
    "limits": ["limits"],
    "kernels": ["gemm", "kernels", "optim"],
    "train": ["train"],
    "latency": ["overhead"],
    "compiled": ["plan"],
    "sklearn": ["estimators"],
    "scaling": ["scaling"],
    "examples": ["examples"],
}


def _help():
    from . import common
    lines = [__doc__.rstrip(), ""]
    missing = common.missing_peers()
    if missing:
        lines.append("Optional peers not installed here:")
        lines += [f"  {shown}: {lost} ({how})" for shown, lost, how in missing]
        lines.append(f"  or {common.bench_extra()}")
    else:
        lines.append("Every optional peer is installed (PyTorch, scikit-learn, threadpoolctl, matplotlib, Dask, Ray).")
    lines.append(f"Results would go to: {common.results_dir()}")
    return "\n".join(lines)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--suite", default="all", choices=sorted(SUITES) + ["all"])
    ap.add_argument("--no-report", action="store_true", help="do not rewrite BENCHMARKS.md")
    ap.add_argument("--results", default=None, help="folder for the results")
    ap.add_argument("-h", "--help", action="store_true")
    known, rest = ap.parse_known_args(argv)
    if known.help:
        print(_help())
        return 0
    if known.results:
        os.environ["FASTNN_BENCH_RESULTS"] = os.path.abspath(known.results)
    names = [m for s in (SUITES if known.suite == "all" else [known.suite]) for m in SUITES[s]]
    for name in names:
        print(f"\n######## {name}")
        module = importlib.import_module(f"{__package__}.{name}")
        module.main(rest)
    if not known.no_report:
        from . import report
        print(f"wrote {report.write()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
