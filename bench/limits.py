"""The machine's limits: FMA peak (float32, float64) and memory bandwidth
(copy, triad), 1 thread and all threads, measured by bench/limits.c.

    python bench/limits.py [--quick]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main(argv=None):
    args, repeats, batch_s, torch, lim = common.setup(__doc__, argv)
    if lim is None:
        print("limits not measured (no C compiler or no AVX2 here)")
        return
    print("\n== machine limits")
    for dt, per in lim["fma_gflops"].items():
        print(f"FMA peak {dt:8s} " + ", ".join(f"{t} thread(s) {v:.1f} GFLOP/s" for t, v in per.items()))
    for kind, per in lim["bandwidth_gbs"].items():
        print(f"{kind:5s} bandwidth   " + ", ".join(f"{t} thread(s) {v:.1f} GB/s" for t, v in per.items()))
    path = common.write_json("limits", {"machine": common.machine_info(), "limits": lim})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
