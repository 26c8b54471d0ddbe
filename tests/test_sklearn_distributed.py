"""Model selection with fastnn's estimators on Dask and Ray through joblib.

Each search runs serially and on the engine's workers (processes); fastnn's
fits are bitwise the same for any thread count, so the scores and the best
parameters must be the same, and each worker's fit runs one fastnn thread.
"""
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="fastnn.sklearn needs scikit-learn")

import joblib  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402

import fastnn  # noqa: E402
from fastnn.sklearn import MLPClassifier  # noqa: E402

pytestmark = pytest.mark.slow

GRID = {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-2]}


def _data():
    X, y = load_digits(return_X_y=True)
    return (X[:500] / 16.0).astype(np.float32), y[:500]


def _search():
    return GridSearchCV(MLPClassifier(max_iter=15, random_state=0), GRID, cv=3)


def _probe_search():
    # defined here, so that the workers get them by value (they cannot
    # import this test module)
    def threads_in_fit(est, X, y):
        return float(est.fit_threads_)

    class Probe(MLPClassifier):
        def fit(self, X, y, sample_weight=None):
            self.fit_threads_ = fastnn._C.team_ceiling()
            return super().fit(X, y, sample_weight)

    return GridSearchCV(Probe(max_iter=2, random_state=0), {"alpha": [1e-4, 1e-3]}, cv=2,
                        scoring=threads_in_fit)


def _serial(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with joblib.parallel_config(backend="sequential"):
            search = _search().fit(X, y)
            scores = cross_val_score(MLPClassifier(max_iter=15, random_state=0), X, y, cv=3)
    return search, scores


def _on(backend, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with joblib.parallel_config(backend=backend, n_jobs=2):
            search = _search().fit(X, y)
            scores = cross_val_score(MLPClassifier(max_iter=15, random_state=0), X, y, cv=3)
            probe = _probe_search().fit(X, y)
    return search, scores, probe


def _same(serial, distributed):
    (s, s_scores), (d, d_scores, probe) = serial, distributed
    assert d.best_params_ == s.best_params_
    np.testing.assert_array_equal(d.cv_results_["mean_test_score"],
                                  s.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(d_scores, s_scores)
    # each worker's fit ran one fastnn thread (no oversubscription)
    assert list(probe.cv_results_["mean_test_score"]) == [1.0, 1.0]


def test_grid_search_on_dask_equals_the_serial_one():
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    X, y = _data()
    serial = _serial(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        _same(serial, _on("dask", X, y))


def test_grid_search_on_ray_equals_the_serial_one():
    ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    from ray.util.joblib import register_ray

    X, y = _data()
    serial = _serial(X, y)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    try:
        register_ray()
        _same(serial, _on("ray", X, y))
    finally:
        ray.shutdown()
