"""Every benchmark suite runs with --quick, so the suite cannot rot (timings
are not checked: speed lives in bench/, not in tests)."""
import glob
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(not os.path.isfile(os.path.join(ROOT, "bench", "run.py")),
                    reason="the benchmark suite is part of the source checkout only")
def test_every_suite_runs_quick(tmp_path):
    env = dict(os.environ, FASTNN_BENCH_RESULTS=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "fastnn", "bench", "--quick", "--threads", "1"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for kind in ("gemm", "kernels", "optim", "train", "overhead", "examples"):
        files = glob.glob(os.path.join(str(tmp_path), f"{kind}-*.json"))
        assert files, f"no {kind} results written"
        with open(files[0]) as f:
            result = json.load(f)
        assert result["results"], f"{kind}: no cases measured"
        assert all("fastnn" in row["peers"] for row in result["results"])
    report = os.path.join(str(tmp_path), "BENCHMARKS.md")
    assert os.path.exists(report)
    with open(report) as f:
        text = f.read()
    assert "## Training epochs" in text and "## GEMM and fused linear" in text
    assert "## Example scripts beside PyTorch" in text
