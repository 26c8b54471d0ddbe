"""The Fashion-MNIST examples beside the same scripts on PyTorch: each script
in examples/ that trains on Fashion-MNIST runs as written (fastnn) and with
its imports switched back to PyTorch (the original), alternately, once per
seed, each in a fresh process on the same threads.

    python -m fastnn.bench.examples [--threads 2] [--seeds 1] [--quick] [--scripts a,b]

(--repeats N is taken as --seeds N, so `python -m fastnn bench --repeats`
reaches it.) The scripts are those of a source checkout's examples/ folder:
run from an installed package, the suite says so and measures nothing.

Reported per script: the wall time of the whole run (the median over the
seeds), PyTorch's over fastnn's, and the figures the script prints (test
accuracy or final loss) as the median over the seeds for each library.
Python's start-up and each library's import are measured on their own in the
same run, since they are part of every wall time.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from . import common

# the example scripts of the source checkout, or None off the checkout
EXAMPLES = (os.path.join(common.SOURCE_TREE, "examples")
            if common.SOURCE_TREE and os.path.isdir(os.path.join(common.SOURCE_TREE, "examples"))
            else None)

# script -> regex whose matches are (label, value) pairs of the figures it prints
FIGURES = {
    "softmax_regression.py": r"test accuracy: (scratch) ([\d.]+), (concise) ([\d.]+)",
    "mlp_fashion_mnist.py": r"test accuracy: (scratch) ([\d.]+), (concise) ([\d.]+)",
    "dropout.py": r"^\[(\w+)\] train loss [\d.]+, train acc [\d.]+, test acc ([\d.]+)",
    "lr_schedule.py": r"^(.+?)\s*: final train loss [\d.]+, test acc ([\d.]+)",
    "optimizer_comparison.py": r"^(.+?)\s*: final batch loss ([\d.]+)",
}
QUICK = ["softmax_regression.py", "mlp_fashion_mnist.py"]


def figures(script, stdout):
    """The (label -> value) figures printed by one run of script."""
    pairs = {}
    for m in re.finditer(FIGURES[script], stdout, re.M):
        groups = m.groups()
        for label, value in zip(groups[::2], groups[1::2]):
            pairs[label.strip()] = float(value)
    return pairs


def run(path, args, env):
    """Wall seconds and stdout of one run of an example script."""
    start = time.perf_counter()
    r = subprocess.run([sys.executable, path] + args, cwd=os.path.dirname(path), env=env,
                       capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError(f"{path} {' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return seconds, r.stdout


def import_seconds(module, env, repeats=3):
    """Median wall time of `python -c 'import module'` (start-up included)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", default="2", help="thread counts for every library, e.g. 1,2")
    ap.add_argument("--seeds", "--repeats", type=int, default=1, help="runs per script and library: seeds 0..N-1")
    ap.add_argument("--quick", action="store_true", help="two scripts with their --quick sizes")
    ap.add_argument("--scripts", default=None, help="comma-separated script names (default: all)")
    a = ap.parse_args(argv)
    a.threads = common.parse_threads(a.threads)
    if EXAMPLES is None:
        print("skipped: the example scripts ship with fastnn's source checkout (examples/), "
              "not with the installed package; run this suite from a checkout")
        return 0
    if a.seeds < 1:
        sys.exit(f"--seeds must be at least 1, got {a.seeds}")
    scripts = a.scripts.split(",") if a.scripts else (QUICK if a.quick else list(FIGURES))
    unknown = [s for s in scripts if s not in FIGURES]
    if unknown:
        sys.exit(f"--scripts: unknown {unknown}; choose from {sorted(FIGURES)}")
    has_torch = common.optional("torch") is not None
    extra = ["--quick"] if a.quick else []
    results = []
    with tempfile.TemporaryDirectory(prefix="fastnn-fashion-") as stand_in:
        data = fashion_mnist(stand_in)
        for nt in a.threads:
            results += measure_threads(nt, a, scripts, extra, has_torch)
    path = common.write_json("examples", {"machine": common.machine_info(), "quick": a.quick,
                                          "data": data, "results": results})
    print(f"wrote {path}")
    return 0


def fashion_mnist(stand_in):
    """Where the scripts read Fashion-MNIST: the installed files, else
    stand-in files of the same shape written to stand_in (said on stdout)."""
    from fastnn import datasets
    from fastnn.demo import synthetic_images
    try:
        data = f"Fashion-MNIST from {datasets.fashion_mnist_dir()}"
    except datasets.DatasetNotFoundError:
        datasets.save_fashion_mnist(stand_in, *synthetic_images())
        os.environ["FASTNN_DATA"] = stand_in
        data = "stand-in images of Fashion-MNIST's shape (the data set is not installed)"
    print(f"data: {data}")
    return data


def measure_threads(nt, a, scripts, extra, has_torch):
    """Every script at nt threads for each library; the rows for the JSON."""
    print(f"{nt} thread(s), seeds 0..{a.seeds - 1}, {'--quick' if a.quick else 'full runs'}")
    env = dict(os.environ, OMP_NUM_THREADS=str(nt), FASTNN_NUM_THREADS=str(nt),
               OPENBLAS_NUM_THREADS=str(nt), MKL_NUM_THREADS=str(nt))
    with tempfile.TemporaryDirectory(prefix="fastnn-examples-") as out:     # the plots, discarded
        return measure(scripts, a.seeds, nt, extra, env, out, has_torch)


def measure(scripts, seeds, nt, extra, env, out, has_torch):
    """Run every script with each library, seed by seed; rows for the JSON
    (each with the start-up and import times measured before them)."""
    startup = {"python": import_seconds("sys", env), "fastnn": import_seconds("fastnn", env)}
    if has_torch:
        startup["torch"] = import_seconds("torch", env)
    print("start-up and import: " + ", ".join(f"{k} {v:.2f} s" for k, v in startup.items()))
    sys.path.insert(0, EXAMPLES)
    try:
        from _common import pytorch_version     # examples/_common.py: the PyTorch twin of a script
    finally:
        sys.path.remove(EXAMPLES)
    results = []
    for script in scripts:
        paths = {"fastnn": os.path.join(EXAMPLES, script)}
        if has_torch:
            paths["torch"] = pytorch_version(paths["fastnn"], out)
        times = {k: [] for k in paths}
        figs = {k: [] for k in paths}
        for seed in range(seeds):
            for lib, path in paths.items():
                seconds, stdout = run(path, extra + ["--seed", str(seed), "--out", out], env)
                times[lib].append(seconds)
                figs[lib].append(figures(script, stdout))
                print(f"  {script} seed {seed} {lib:6s}: {seconds:6.1f} s  "
                      + ", ".join(f"{k} {v:.4f}" for k, v in figs[lib][-1].items()), flush=True)
        row = {"case": script, "threads": nt, "seeds": seeds, "startup_s": startup, "peers": {}}
        for lib in paths:
            labels = figs[lib][0].keys()
            row["peers"][lib] = {
                "median_s": statistics.median(times[lib]), "times_s": times[lib],
                "figures": {k: statistics.median(f[k] for f in figs[lib]) for k in labels},
                "figures_per_seed": figs[lib]}
        if has_torch:
            row["peers"]["torch"]["ratio"] = row["peers"]["torch"]["median_s"] / row["peers"]["fastnn"]["median_s"]
        results.append(row)
        f, t = row["peers"]["fastnn"], row["peers"].get("torch")
        print(f"{script}: fastnn {f['median_s']:.1f} s" + (f", PyTorch {t['median_s']:.1f} s ({t['ratio']:.2f}x)" if t else ""))
        for k, v in f["figures"].items():
            print(f"    {k}: fastnn {v:.4f}" + (f", PyTorch {t['figures'][k]:.4f}" if t else "") + " (median)")
    return results


if __name__ == "__main__":
    sys.exit(main())
