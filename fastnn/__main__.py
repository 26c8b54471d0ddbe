"""Command line: ``python -m fastnn info | demo | bench``."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np

import fastnn
from fastnn import ops

if TYPE_CHECKING:
    from numpy.typing import NDArray


def _self_check() -> tuple[NDArray[Any], float]:
    """One small fused linear layer against numpy; returns the max abs error."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 7)).astype(np.float32)
    w = rng.standard_normal((3, 7)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    y = ops.linear(x, w, b, activation="relu")
    ref = np.maximum(x.astype(np.float64) @ w.T.astype(np.float64) + b, 0.0)
    return y, float(np.max(np.abs(y - ref)))


def cmd_info(args: argparse.Namespace) -> int:
    """``info``: build facts (SIMD path, OpenMP, threads) and a quick self-check.

    Returns
    -------
    int
        The exit status: 0 when the self-check's error is below 1e-5, else 1.
    """
    for key, value in fastnn.info().items():
        print(f"{key:15s} {value}")
    y, err = _self_check()
    print(f"{'self-check':15s} linear(5x7 @ 7x3 + b, relu) vs numpy: max |error| = {err:.2e}")
    return 0 if err < 1e-5 else 1


def cmd_demo(args: argparse.Namespace) -> int:
    """``demo``: train the chapters' MLP on Fashion-MNIST (fastnn.demo.run).

    Returns
    -------
    int
        The exit status, 0.
    """
    from fastnn import demo
    demo.run(epochs=args.epochs, root=args.data, threads=args.threads, out=args.out,
             progress=not args.no_progress)
    return 0


def cmd_bench(args: argparse.Namespace, rest: list[str]) -> int:
    """``bench``: the benchmark suite, with the arguments that follow.

    Returns
    -------
    int
        The suite's exit status.
    """
    # (type: ignore: setup.py installs bench/ as fastnn.bench; the checkout has no fastnn/bench)
    from fastnn.bench import run  # type: ignore[import-not-found]
    status: int = run.main(rest)
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line ``python -m fastnn info | demo | bench``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default sys.argv[1:]).

    Returns
    -------
    int
        The exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m fastnn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="build facts (SIMD path, OpenMP, threads) and a quick self-check")
    d = sub.add_parser("demo", help="train the chapters' MLP on Fashion-MNIST")
    d.add_argument("--epochs", type=int, default=10)
    d.add_argument("--data", default=None, help="folder with the four Fashion-MNIST .gz files")
    d.add_argument("--threads", type=int, default=None)
    d.add_argument("--out", default="fastnn-demo.png", help="PNG for the curves ('' for none)")
    d.add_argument("--no-progress", action="store_true", help="no progress bar")
    sub.add_parser("bench", help="the benchmark suite beside PyTorch, numpy and scikit-learn "
                                 "(python -m fastnn bench --help)", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        return cmd_bench(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return {"info": cmd_info, "demo": cmd_demo}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
