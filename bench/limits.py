"""The machine's limits: FMA peak (float32, float64; AVX2+FMA, and AVX-512
where the CPU has it) and memory bandwidth (copy, triad), 1 thread and all
threads, measured by fastnn.bench._limits (bench/_limits.c).

    python -m fastnn.bench.limits [--quick]
"""
from . import common


def main(argv=None):
    args, repeats, batch_s, torch, lim = common.setup(__doc__, argv)
    if lim is None:
        print("limits not measured (fastnn.bench._limits is not built)")
        return
    print("\n== machine limits")
    for isa, key in (("AVX2", "fma_gflops"), ("AVX-512", "fma_gflops_avx512")):
        for dt, per in lim.get(key, {}).items():
            print(f"FMA peak {dt:8s} {isa:8s}" + ", ".join(f"{t} thread(s) {v:.1f} GFLOP/s"
                                                         for t, v in per.items()))
    for kind, per in lim["bandwidth_gbs"].items():
        print(f"{kind:5s} bandwidth            " + ", ".join(f"{t} thread(s) {v:.1f} GB/s" for t, v in per.items()))
    path = common.write_json("limits", {"machine": common.machine_info(), "limits": lim})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
