"""fastnn.sklearn's MLP estimators beside scikit-learn's own.

    python -m fastnn.bench.estimators [--quick] [--seeds N] [--no-search]

The same estimator and parameters on both sides: MLPClassifier on the data
sets scikit-learn ships (digits, breast cancer, wine, iris) and on
Fashion-MNIST (10,000 x 784, hidden (256,), batch 200), MLPRegressor on
diabetes. Features standardised; a fixed stratified 25% test split; both run
the same number of epochs (tol=0, n_iter_no_change=max_iter); 1 thread for
both (threadpoolctl and fastnn.set_num_threads); float32, then float64; the
libraries alternate seed by seed. Reported: the median time per epoch over
the seeds, the predict time of 10 rows and of the test split, and the mean
test accuracy (R² for diabetes) over the seeds. Then a grid search (8
candidates x 5 folds) run serially, on joblib's processes, on a local Dask
cluster and on Ray (2 workers each), whose best parameters must agree.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

from . import common

N_SEEDS = 5


def _datasets(quick):
    from sklearn import datasets as skd

    from fastnn import datasets
    out = []
    for name, loader, kind in (("digits", skd.load_digits, "clf"),
                               ("breast cancer", skd.load_breast_cancer, "clf"),
                               ("wine", skd.load_wine, "clf"), ("iris", skd.load_iris, "clf"),
                               ("diabetes", skd.load_diabetes, "reg")):
        X, y = loader(return_X_y=True)
        out.append((name, X, y, kind, {}, 20 if quick else 100))
    try:
        (X, y), _ = datasets.load_fashion_mnist()
        source = "Fashion-MNIST"
    except datasets.DatasetNotFoundError:
        from fastnn.demo import synthetic_images
        (X, y), _ = synthetic_images()
        source = "synthetic images shaped like Fashion-MNIST"
    n = 2000 if quick else 10000
    X = X[:n].reshape(n, -1).astype(np.float64) / 255.0
    out.append((f"{source} {n}x784", X, y[:n], "clf",
                {"hidden_layer_sizes": (256,), "batch_size": 200}, 2 if quick else 5))
    return out


def _split(X, y, kind, dtype):
    """A fixed stratified 25% test split; features (and a regression's
    target) standardised on the training part."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0,
                                          stratify=y if kind == "clf" else None)
    sc = StandardScaler().fit(Xtr)
    if kind == "reg":
        mu, sd = ytr.mean(), ytr.std()
        ytr, yte = (ytr - mu) / sd, (yte - mu) / sd
    return sc.transform(Xtr).astype(dtype), sc.transform(Xte).astype(dtype), ytr, yte


def _median_call(fn, seconds=0.05):
    fn()
    n, t = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t
        if dt > seconds:
            return dt / n


def compare_fits(quick, seeds):
    from sklearn import neural_network as skn

    import fastnn.sklearn as fsk
    rows = []
    for name, X, y, kind, params, epochs in _datasets(quick):
        for dtype in (np.float32, np.float64):
            Xtr, Xte, ytr, yte = _split(X, y, kind, dtype)
            libs = {"fastnn": fsk.MLPClassifier if kind == "clf" else fsk.MLPRegressor,
                    "scikit-learn": skn.MLPClassifier if kind == "clf" else skn.MLPRegressor}
            fit_s = {k: [] for k in libs}
            score = {k: [] for k in libs}
            pred10 = {k: [] for k in libs}
            pred_all = {k: [] for k in libs}
            for seed in range(seeds):
                for lib, cls in (list(libs.items()) if seed % 2 == 0
                                 else list(libs.items())[::-1]):
                    m = cls(max_iter=epochs, tol=0.0, n_iter_no_change=epochs, random_state=seed,
                            **params)
                    time.sleep(0.1)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t = time.perf_counter()
                        m.fit(Xtr, ytr)
                        fit_s[lib].append((time.perf_counter() - t) / m.n_iter_)
                    score[lib].append(m.score(Xte, yte))
                    x10 = np.ascontiguousarray(Xte[:10])
                    pred10[lib].append(_median_call(lambda: m.predict(x10)))
                    pred_all[lib].append(_median_call(lambda: m.predict(Xte)))
            case = f"{name} {np.dtype(dtype).name}"
            row = {"case": case, "epochs": epochs, "n_train": len(ytr),
                   "metric": "accuracy" if kind == "clf" else "R2", "peers": {}}
            base = {k: float(np.median(v)) for k, v in fit_s.items()}
            for lib in libs:
                row["peers"][lib] = {
                    "epoch_s": base[lib], "ratio": base[lib] / base["fastnn"],
                    "score_mean": float(np.mean(score[lib])),
                    "predict10_s": float(np.median(pred10[lib])),
                    "predict10_ratio": float(np.median(pred10[lib]) /
                                             np.median(pred10["fastnn"])),
                    "predict_all_s": float(np.median(pred_all[lib])),
                    "predict_all_ratio": float(np.median(pred_all[lib]) /
                                               np.median(pred_all["fastnn"]))}
            if "hidden_layer_sizes" in params:
                sizes = [Xtr.shape[1], *params["hidden_layer_sizes"], 10]
                flops = 6.0 * len(ytr) * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
                row["epoch_gflop"] = flops / 1e9
            rows.append(row)
            f, s = row["peers"]["fastnn"], row["peers"]["scikit-learn"]
            print(f"{case:34s} epoch {f['epoch_s'] * 1e3:8.2f} ms vs {s['epoch_s'] * 1e3:8.2f} ms "
                  f"{s['ratio']:6.2f}x | predict 10 rows {s['predict10_ratio']:5.2f}x, "
                  f"test split {s['predict_all_ratio']:5.2f}x | {row['metric']} "
                  f"{f['score_mean']:.4f} vs {s['score_mean']:.4f}", flush=True)
    return rows


def grid_search(quick):
    """8 candidates x 5 folds on 4,000 Fashion-MNIST images (1,000 with
    --quick): serial (fastnn's default threads), joblib's processes, Dask and
    Ray (2 workers each, 1 fastnn thread per worker)."""
    import joblib
    from sklearn.model_selection import GridSearchCV

    from fastnn.sklearn import MLPClassifier
    name, X, y = _datasets(quick)[-1][:3]
    n = 1000 if quick else 4000
    X, y = X[:n].astype(np.float32), y[:n]
    grid = {"hidden_layer_sizes": [(64,), (128,)], "alpha": [1e-4, 1e-2],
            "learning_rate_init": [1e-3, 3e-3]}
    est = MLPClassifier(max_iter=3 if quick else 10, random_state=0)
    out = {}

    def run(label, backend, n_jobs):
        with warnings.catch_warnings(), joblib.parallel_config(backend=backend, n_jobs=n_jobs):
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            s = GridSearchCV(est, grid, cv=5).fit(X, y)
            out[label] = {"seconds": time.perf_counter() - t, "best_params": repr(s.best_params_),
                          "best_score": float(s.best_score_)}
        print(f"grid search 8 x 5 folds ({n} images), {label:22s} {out[label]['seconds']:7.2f} s  "
              f"best {out[label]['best_params']}", flush=True)

    run("serial", "sequential", None)
    run("joblib loky, 2 workers", "loky", 2)
    distributed = common.optional("distributed")
    if distributed is not None:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster):
            run("Dask, 2 workers", "dask", 2)
    ray = common.optional("ray")
    if ray is not None:
        from ray.util.joblib import register_ray
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
        try:
            register_ray()
            run("Ray, 2 workers", "ray", 2)
        finally:
            ray.shutdown()
    same = len({v["best_params"] for v in out.values()}) == 1
    print(f"the same best parameters on every engine: {same}")
    return {"runs": out, "same_best": same}


def main(argv=None):
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--no-search", action="store_true")
    known, rest = ap.parse_known_args(sys.argv[1:] if argv is None else argv)
    if common.optional("sklearn") is None:
        return
    args, _, _, torch, lim = common.setup(__doc__, rest, threads="1")
    seeds = known.seeds or (2 if args.quick else N_SEEDS)
    isa, _ = common.fma_peak(lim, "float32")
    print(f"\n== 1 thread, {seeds} seeds (ratio: scikit-learn's time / fastnn's)")
    with common.threads(1, torch):
        rows = compare_fits(args.quick, seeds)
    peaks = {}
    for r in rows:
        if "epoch_gflop" in r:
            dtype = r["case"].rsplit(" ", 1)[-1]
            peak = peaks[dtype] = (common.fma_peak(lim, dtype)[1] or {}).get("1")
            r["fma_peak_1t"] = peak
            for lib, p in r["peers"].items():
                p["gflops"] = r["epoch_gflop"] / p["epoch_s"]
                p["fraction_of_peak"] = p["gflops"] / peak if peak else None
                print(f"{r['case']:34s} {lib:13s} {p['gflops']:6.1f} GFLOP/s"
                      + (f", {100 * p['fraction_of_peak']:.0f}% of the 1-thread {isa} {dtype} "
                         "FMA peak" if peak else ""))
    search = None if known.no_search else grid_search(args.quick)
    path = common.write_json("sklearn", {"machine": common.machine_info(), "seeds": seeds,
                                         "isa": isa, "fma_peak_1t": peaks, "results": rows,
                                         "grid_search": search})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
