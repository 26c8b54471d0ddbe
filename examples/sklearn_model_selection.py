"""K-fold model selection with scikit-learn (d2l 4.4 and 5.2): 5-fold
cross-validation over the hidden layer's width and the weight decay (alpha)
of fastnn's MLPClassifier on Fashion-MNIST, with GridSearchCV; the chosen
model is then scored on the test set. --backend runs the folds serially, on
joblib's processes, on a Dask cluster or on Ray (each started here on this
machine, 2 workers): the same search, the same scores, the same choice."""
import time
import warnings

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from fastnn.datasets import load_fashion_mnist
from fastnn.sklearn import MLPClassifier

from _common import args


def extra(ap):
    ap.add_argument("--backend", choices=["serial", "loky", "dask", "ray"], default="serial",
                    help="where the fits run (dask and ray start 2 local workers)")


def main():
    # (under a main guard: Dask's and joblib's worker processes import this file)
    a = args(__doc__, extra)
    (X_train, y_train), (X_test, y_test) = load_fashion_mnist()
    n_train, n_test = (3000, 1000) if a.quick else (12000, 10000)
    X = (X_train[:n_train].reshape(n_train, -1) / np.float32(255)).astype(np.float32)
    y = y_train[:n_train]
    Xt = (X_test[:n_test].reshape(n_test, -1) / np.float32(255)).astype(np.float32)
    yt = y_test[:n_test]
    grid = {"hidden_layer_sizes": [(64,), (256,)], "alpha": [1e-4, 1.0]}
    model = MLPClassifier(max_iter=5 if a.quick else 20, random_state=a.seed)
    search = GridSearchCV(model, grid, cv=5)

    backend, n_jobs, stop = "sequential", None, None
    if a.backend == "loky":
        backend, n_jobs = "loky", 2
    elif a.backend == "dask":
        from distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
        backend, n_jobs, stop = "dask", 2, lambda: (client.close(), cluster.close())
    elif a.backend == "ray":
        import ray
        from ray.util.joblib import register_ray
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        register_ray()
        backend, n_jobs, stop = "ray", 2, ray.shutdown

    t0 = time.perf_counter()
    with warnings.catch_warnings(), joblib.parallel_config(backend=backend, n_jobs=n_jobs):
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    seconds = time.perf_counter() - t0
    if stop:
        stop()
    res = search.cv_results_
    for params, mean, std in zip(res["params"], res["mean_test_score"], res["std_test_score"]):
        print(f"hidden {params['hidden_layer_sizes'][0]:4d}, alpha {params['alpha']:g}: "
              f"mean validation accuracy over 5 folds {mean:.4f} (± {std:.4f})")
    best = search.best_params_
    print(f"chosen: hidden {best['hidden_layer_sizes'][0]}, alpha {best['alpha']:g}; "
          f"test accuracy {search.score(Xt, yt):.4f}")
    print(f"search of {len(res['params'])} candidates x 5 folds on {a.backend}: {seconds:.1f} s")


if __name__ == "__main__":
    main()
