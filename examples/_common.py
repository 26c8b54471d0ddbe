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


def fashion_mnist(quick, batch_size=256, resize=None):
    """d2l.load_data_fashion_mnist: (train_iter, test_iter) of uint8 images
    scaled to [0, 1] in the batch gather. Without the data set installed,
    synthetic images of the same shape (said on stdout). --quick keeps 6000
    training and 2000 test images."""
    from fastnn import datasets
    from fastnn.data import DataLoader
    try:
        (X, y), (Xt, yt) = datasets.load_fashion_mnist()
    except datasets.DatasetNotFoundError as e:
        from fastnn.demo import synthetic_images
        print(f"note: {str(e).split(':')[0]}; using synthetic images of the same shape")
        (X, y), (Xt, yt) = synthetic_images(12000 if quick else 60000, 2000 if quick else 10000)
    if quick:
        X, y, Xt, yt = X[:6000], y[:6000], Xt[:2000], yt[:2000]
    return (DataLoader((X, y), batch_size=batch_size, shuffle=True, seed=0),
            DataLoader((Xt, yt), batch_size=1024))
