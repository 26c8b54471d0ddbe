"""Every benchmark suite runs with --quick, so the suite cannot rot (timings
are not checked: speed lives in bench/, not in tests). The suite ships in
the package as fastnn.bench: these run wherever fastnn is installed."""
import glob
import json
import os
import subprocess
import sys

import pytest

from fastnn.bench import examples as bench_examples


def run_bench(args, cwd, env=None):
    r = subprocess.run([sys.executable, "-m", "fastnn", "bench"] + args, cwd=str(cwd),
                       env=dict(os.environ, **(env or {})), capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


@pytest.mark.slow
def test_help_names_the_suites_and_missing_peers(tmp_path):
    out = run_bench(["--help"], tmp_path)
    for suite in ("limits", "kernels", "train", "latency", "examples"):
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
    kinds = ["gemm", "kernels", "optim", "train", "overhead"]
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
    if bench_examples.EXAMPLES is not None:
        assert "## Example scripts beside PyTorch" in text
