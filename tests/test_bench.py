"""Every benchmark suite runs with --quick, so the suite cannot rot (timings
are not checked: speed lives in bench/, not in tests). The suite ships in
the package as fastnn.bench: these run wherever fastnn is installed."""
import glob
import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest

import fastnn

from fastnn.bench import before_after as bench_before_after
from fastnn.bench import examples as bench_examples
from fastnn.bench import scaling as bench_scaling


def run_bench(args, cwd, env=None):
    r = subprocess.run([sys.executable, "-m", "fastnn", "bench"] + args, cwd=str(cwd),
                       env=dict(os.environ, **(env or {})), capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


@pytest.mark.slow
def test_help_names_the_suites_and_missing_peers(tmp_path):
    out = run_bench(["--help"], tmp_path)
    for suite in ("limits", "kernels", "train", "latency", "compiled", "sklearn", "scaling",
                  "examples"):
        assert suite in out
    assert "Results would go to:" in out
    assert ("Optional peers not installed here" in out) or ("Every optional peer is installed" in out)


def test_limits_are_measured_by_the_built_extension():
    """FMA peak and bandwidth come from the compiled fastnn.bench._limits,
    so an installed package needs no compiler for them."""
    from fastnn.bench import _limits
    lim = json.loads(_limits.measure(quick=True))
    assert lim["max_threads"] >= 1
    assert lim["bandwidth_gbs"]["copy"]["1"] > 0
    for per in list(lim["fma_gflops"].values()) + list(lim["fma_gflops_avx512"].values()):
        assert all(v > 0 for v in per.values())


@pytest.mark.slow
def test_every_suite_runs_quick(tmp_path):
    """The whole suite from an unrelated folder; results where they were sent."""
    results = tmp_path / "results"
    out = run_bench(["--quick", "--threads", "1", "--results", str(results)], tmp_path)
    kinds = ["gemm", "kernels", "optim", "train", "overhead", "plan", "scaling"]
    if importlib.util.find_spec("sklearn") is not None:
        kinds.append("sklearn")
    if bench_examples.EXAMPLES is None:      # an installed package: no example scripts
        assert "the example scripts ship with fastnn's source checkout" in out
    else:
        kinds.append("examples")
    for kind in kinds:
        files = glob.glob(os.path.join(str(results), f"{kind}-*.json"))
        assert files, f"no {kind} results written"
        with open(files[0]) as f:
            result = json.load(f)
        assert result["results"], f"{kind}: no cases measured"
        assert all("fastnn" in row["peers"] for row in result["results"])
    report = os.path.join(str(results), "BENCHMARKS.md")
    assert os.path.exists(report)
    with open(report) as f:
        text = f.read()
    assert "## Training epochs" in text and "## GEMM and fused linear" in text
    if "sklearn" in kinds:
        assert "## scikit-learn's MLP estimators" in text
    assert "## Thread scaling and hostile conditions" in text and "## The compiled step" in text
    if bench_examples.EXAMPLES is not None:
        assert "## Example scripts beside PyTorch" in text


def _positive(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


@pytest.mark.slow
def test_scaling_suite_runs_quick(tmp_path):
    """The scaling suite on 1 and 2 threads: every scaling case and every
    hostile case is in the JSON with finite positive figures, and the report
    has its section. No timing is checked."""
    results = tmp_path / "results"
    run_bench(["--suite", "scaling", "--quick", "--threads", "1,2", "--results", str(results)],
              tmp_path)
    files = glob.glob(os.path.join(str(results), "scaling-*.json"))
    assert len(files) == 1
    with open(files[0]) as f:
        res = json.load(f)
    machine = res["machine"]
    assert machine["usable_cpus"] >= 1 and machine["cpu"]
    assert "cpu_quota" in machine and "cpu_affinity" in machine and "limits" in res

    rows = res["results"]
    for kind in ("linear", "grad_x", "grad_w", "square", "epoch"):
        assert sorted(r["threads"] for r in rows if r["kind"] == kind) == [1, 2], kind
    for r in rows:
        assert "fastnn" in r["peers"], r["case"]
        assert r["kind"] == "epoch" or "numpy" in r["peers"], r["case"]
        for peer, t in r["peers"].items():
            figures = [t["median_s"], t["min_s"], t["max_s"], t["speedup"]]
            figures += [t["gflops"]] if r["kind"] != "epoch" else []
            assert all(_positive(v) for v in figures), (r["case"], r["threads"], peer, t)

    u = machine["usable_cpus"]
    want = {(case, work, n) for work in ("linear", "epoch")
            for case, n in (("one core busy", 1), ("one core busy", 2),
                            ("numpy in between", 1), ("numpy in between", 2),
                            ("oversubscribed", 4 * u))}
    got = {(r["case"], r["workload"].split()[0], r["threads"]) for r in res["hostile"]}
    assert got == want
    for r in res["hostile"]:
        figures = [r["ratio"], r["quiet"]["median_s"], r["hostile"]["median_s"]]
        if r["workload"].startswith("linear"):
            figures += [r["quiet"]["gflops"], r["hostile"]["gflops"]]
        assert all(_positive(v) for v in figures), r
    assert len(res["checks"]) == 7
    for c in res["checks"]:
        assert _positive(c["value"]) and _positive(c["target"]) and isinstance(c["pass"], bool), c

    with open(os.path.join(str(results), "BENCHMARKS.md")) as f:
        text = f.read()
    assert "## Thread scaling and hostile conditions" in text and "| done when |" in text


def test_scaling_spinner_ends_with_its_block():
    """The process that takes a core for the "one core busy" case is gone
    once its block ends, also when the block raises."""
    with pytest.raises(KeyError):
        with bench_scaling.spinning(bench_scaling.busy_cpu()) as proc:
            assert proc.poll() is None
            raise KeyError("leave the block")
    assert proc.poll() is not None


def test_scaling_default_threads_reach_the_cpu_count():
    counts = bench_scaling.default_threads()
    assert counts[0] == 1 and counts[-1] == fastnn.usable_cpus()
    assert counts == sorted(set(counts))




def _run_bench_module(name, args, tmp_path):
    """python -m fastnn.bench.<name> args, results sent to tmp_path/results:
    (its one JSON result, the environment used, the results folder)."""
    results = tmp_path / "results"
    env = dict(os.environ, FASTNN_BENCH_RESULTS=str(results))
    r = subprocess.run([sys.executable, "-m", f"fastnn.bench.{name}", *args], cwd=str(tmp_path),
                       env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    files = glob.glob(os.path.join(str(results), f"{name}-*.json"))
    assert len(files) == 1
    with open(files[0]) as f:
        return json.load(f), env, results


@pytest.mark.slow
def test_before_after_runs_quick_and_reaches_the_report(tmp_path):
    """Two versions compared (here this install against itself, one round):
    every case measured for both, and BENCHMARKS.md shows the table."""
    pytest.importorskip("torch", reason="the before/after cases run beside PyTorch")
    pytest.importorskip("threadpoolctl", reason="the cases cap numpy's BLAS threads")
    result, env, results = _run_bench_module(
        "before_after", ["--before", sys.executable, "--rounds", "1", "--quick",
                         "--label-before", "itself"], tmp_path)
    assert [row["case"] for row in result["results"]] == [c[0] for c in bench_before_after.CASES]
    for row in result["results"]:
        for side in ("before", "after"):
            assert _positive(row[side]["fastnn_s"]) and _positive(row[side]["ratio"])
    r = subprocess.run([sys.executable, "-m", "fastnn.bench.report"], cwd=str(tmp_path), env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    with open(os.path.join(str(results), "BENCHMARKS.md")) as f:
        assert "## Before and after: itself → after" in f.read()


@pytest.mark.slow
def test_distributed_bench_runs_quick_and_reaches_the_report(tmp_path):
    """2 ranks x 1 thread against 1 rank x 2 threads, the all-reduce's share,
    the ring alone and the model of larger worlds: every figure in the JSON,
    and BENCHMARKS.md shows the section. No timing is checked."""
    pytest.importorskip("mpi4py", reason="the 2-rank run needs mpi4py: pip install mpi4py mpich")
    from fastnn.bench import distributed as bench_distributed
    if bench_distributed.mpiexec() is None:
        pytest.skip("no mpiexec beside this Python or on PATH")
    res, env, results = _run_bench_module("distributed", ["--quick"], tmp_path)
    for key in ("epoch_1x2_s", "epoch_2x1_s", "allreduce_share", "ring_s", "core_flops"):
        assert _positive(res[key]), key
    assert [(m["net"], m["K"]) for m in res["model"]] == [
        (net, k) for net in ("784-256-10", "10M-parameter MLP") for k in bench_distributed.KS]
    big = [m for m in res["model"] if m["net"] == "10M-parameter MLP" and m["K"] == 2][0]
    assert big["bytes_per_rank"] == 4 * 10_000_000          # 4·P·2(K−1)/K at K = 2
    r = subprocess.run([sys.executable, "-m", "fastnn.bench.report"], cwd=str(tmp_path), env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    with open(os.path.join(str(results), "BENCHMARKS.md")) as f:
        text = f.read()
    assert "## Data-parallel training over MPI" in text and "### Larger worlds" in text
