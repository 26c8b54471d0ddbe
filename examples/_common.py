"""What every example shares: --quick (tiny sizes, seconds) and --out (where
plots go)."""
import argparse
import os


def args(description, extra=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="small sizes and few epochs (for CI)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"),
                    help="folder for the plots")
    if extra:
        extra(ap)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    return a
