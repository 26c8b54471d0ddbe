"""fastnn.sklearn: scikit-learn's MLP estimators trained by fastnn's kernels.

In float64 a fit follows scikit-learn's own fit to rounding (the same random
draws, the same algorithm), so the fitted attributes are compared with
scikit-learn's; scikit-learn's estimator checks run over both estimators.
"""
import pickle
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", reason="fastnn.sklearn needs scikit-learn")

import scipy.sparse as sp  # noqa: E402
from sklearn.base import is_classifier  # noqa: E402
from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkRegressor  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import fastnn  # noqa: E402
from fastnn import nn, optim  # noqa: E402
from fastnn.sklearn import (MLPClassifier, MLPModule, MLPRegressor,  # noqa: E402
                            NeuralNetClassifier, NeuralNetRegressor)

from conftest import two_threads_available  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(240, 9, n_targets=2, noise=0.1, random_state=0)
    return X, y / 100.0


def _same_fit(ours, theirs, X, rtol=1e-9):
    """ours (fastnn) and theirs (scikit-learn) fitted the same model."""
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=rtol)
    if theirs.solver != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol)
    method = "predict_proba" if is_classifier(ours) else "predict"
    np.testing.assert_allclose(getattr(ours, method)(X), getattr(theirs, method)(X), rtol=1e-8,
                               atol=1e-12)


@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, SkClassifier),
                                         (MLPRegressor, SkRegressor)])
def test_the_constructor_is_scikit_learns(ours, theirs):
    import inspect
    def plain(cls):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]
    assert plain(ours) == plain(theirs)
    assert ours().get_params() == theirs().get_params()


CLASSIFIER_CASES = [
    dict(solver="adam"),
    dict(solver="adam", activation="tanh", alpha=1e-2, early_stopping=True),
    dict(solver="sgd"),
    dict(solver="sgd", nesterovs_momentum=False, learning_rate="invscaling"),
    dict(solver="sgd", momentum=0.0, activation="logistic", batch_size=37),
    dict(solver="sgd", learning_rate="adaptive", tol=0.5, n_iter_no_change=1),
    dict(solver="lbfgs", activation="identity"),
]


@pytest.mark.parametrize("params", CLASSIFIER_CASES, ids=lambda p: "-".join(map(str, p.values())))
@pytest.mark.parametrize("weighted", [False, True])
def test_classifier_follows_scikit_learn(digits, params, weighted):
    X, y = digits
    sw = np.random.default_rng(0).uniform(0.2, 2.0, len(y)) if weighted else None
    kw = dict(hidden_layer_sizes=(24, 12), max_iter=8, random_state=3, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkClassifier(**kw).fit(X, y, sample_weight=sw)
        ours = MLPClassifier(**kw).fit(X, y, sample_weight=sw)
    _same_fit(ours, theirs, X)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.out_activation_ == "softmax" and ours.n_layers_ == 4


@pytest.mark.parametrize("multilabel", [False, True])
def test_logistic_output_follows_scikit_learn(digits, multilabel):
    X, y = digits
    Y = np.stack([y > 4, y % 2 == 0], axis=1) if multilabel else np.array(["a", "b"])[(y > 4) * 1]
    sw = np.random.default_rng(1).uniform(0.2, 2.0, len(y))
    kw = dict(hidden_layer_sizes=(16,), max_iter=6, random_state=0, activation="relu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkClassifier(**kw).fit(X, Y, sample_weight=sw)
        ours = MLPClassifier(**kw).fit(X, Y, sample_weight=sw)
    assert ours.out_activation_ == "logistic"
    _same_fit(ours, theirs, X)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("weighted", [False, True])
def test_regressor_follows_scikit_learn(regression, loss, solver, weighted):
    X, y = regression
    if loss == "poisson":
        y = np.exp(y)
    sw = np.random.default_rng(2).uniform(0.2, 2.0, len(y)) if weighted else None
    kw = dict(hidden_layer_sizes=(12, 6), max_iter=6, random_state=1, loss=loss, solver=solver,
              activation="logistic", learning_rate_init=1e-3 if solver == "sgd" else 1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkRegressor(**kw).fit(X, y, sample_weight=sw)
        ours = MLPRegressor(**kw).fit(X, y, sample_weight=sw)
    assert ours.out_activation_ == ("exp" if loss == "poisson" else "identity")
    _same_fit(ours, theirs, X)


def test_partial_fit_and_warm_start_follow_scikit_learn(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(20,), random_state=0, solver="sgd", learning_rate="invscaling")
    ours, theirs = MLPClassifier(**kw), SkClassifier(**kw)
    for _ in range(3):
        ours.partial_fit(X, y, classes=np.arange(10))
        theirs.partial_fit(X, y, classes=np.arange(10))
    _same_fit(ours, theirs, X)
    kw = dict(hidden_layer_sizes=(20,), random_state=0, max_iter=3, warm_start=True)
    ours, theirs = MLPClassifier(**kw), SkClassifier(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(2):
            ours.fit(X, y)
            theirs.fit(X, y)
    _same_fit(ours, theirs, X)


def test_dtype_follows_the_input(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert MLPClassifier(**kw).fit(X, y).coefs_[0].dtype == np.float64
        m32 = MLPClassifier(**kw).fit(X.astype(np.float32), y)
        assert m32.coefs_[0].dtype == np.float32
        assert m32.predict_proba(X).dtype == np.float32
        assert MLPClassifier(**kw).fit((X * 16).astype(np.int64), y).coefs_[0].dtype == np.float32
        # float32 follows scikit-learn's float32 fit to float32 rounding
        theirs = SkClassifier(**kw).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(m32.coefs_[0], theirs.coefs_[0], rtol=1e-4, atol=1e-5)


def test_sparse_input_is_densified_per_batch(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(10,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = MLPClassifier(**kw).fit(X, y)
        sparse = MLPClassifier(**kw).fit(sp.csr_matrix(X), y)
    for a, b in zip(dense.coefs_, sparse.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dense.predict_proba(X), sparse.predict_proba(sp.csc_matrix(X)))


def test_convergence_warning_and_stopping_rule(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    kw = dict(hidden_layer_sizes=(8,), max_iter=500, tol=10.0, n_iter_no_change=2, random_state=0)
    # the first epoch improves on inf; then 3 (> n_iter_no_change) epochs without
    # an improvement by tol stop the fit
    assert MLPClassifier(**kw).fit(X, y).n_iter_ == 4 == SkClassifier(**kw).fit(X, y).n_iter_


def test_bad_input_gets_scikit_learns_errors(digits):
    X, y = digits
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(ValueError, match="learning_rate_init"):
        MLPClassifier(learning_rate_init=-1.0).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        m = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :5])
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.predict(bad)
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier().fit(bad, y)


def test_a_diverging_fit_raises_instead_of_keeping_nan(regression):
    X, y = regression
    m = MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e6, momentum=0.9,
                     max_iter=50, random_state=0)
    with pytest.raises(ValueError, match="non-finite"):
        m.fit(X * 1e3, y * 1e6)
    assert all(np.isfinite(c).all() for c in m.coefs_)


def test_pickle_keeps_no_extension_state(digits, tmp_path):
    X, y = digits
    m = MLPClassifier(hidden_layer_sizes=(10,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X, y)
    expected = m.predict_proba(X)
    blob = pickle.dumps(m)
    assert b"StepPlan" not in blob and b"fastnn._C" not in blob
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    again.partial_fit(X, y)          # the optimizer state came along; a plan is made anew
    # from a read-only memory map, as joblib hands data to its workers
    path = tmp_path / "X.npy"
    np.save(path, X)
    Xm = np.load(path, mmap_mode="r")
    np.testing.assert_array_equal(pickle.loads(blob).predict_proba(Xm), expected)
    import joblib
    joblib.dump(m, tmp_path / "m.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "m.joblib", mmap_mode="r")
                                  .predict_proba(X), expected)


def test_a_row_predicts_the_same_in_any_batch(digits):
    X, y = digits
    m = MLPClassifier(hidden_layer_sizes=(30,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X.astype(np.float32), y)
    full = m.predict_proba(X.astype(np.float32))
    for rows in (slice(0, 1), slice(5, 12), slice(100, 357)):
        np.testing.assert_array_equal(m.predict_proba(X[rows].astype(np.float32)), full[rows])


def test_predict_from_several_threads_at_once(digits):
    from concurrent.futures import ThreadPoolExecutor

    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = MLPClassifier(hidden_layer_sizes=(40,), max_iter=2, random_state=0).fit(X, y)
    expected = m.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:        # the plan is busy in one: the others make their own
        results = list(pool.map(lambda _: m.predict_proba(X), range(16)))
    for r in results:
        np.testing.assert_array_equal(r, expected)


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
def test_bitwise_the_same_for_any_thread_count(digits, restore_threads):
    X, y = digits
    fits = []
    for n in (1, 2):
        fastnn.set_num_threads(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(MLPClassifier(hidden_layer_sizes=(64,), max_iter=3, random_state=0)
                        .fit(X.astype(np.float32), y))
    for a, b in zip(fits[0].coefs_, fits[1].coefs_):
        np.testing.assert_array_equal(a, b)
    assert fits[0].loss_curve_ == fits[1].loss_curve_


def test_threadpoolctl_lists_and_limits_fastnn(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    info = [i for i in threadpoolctl.threadpool_info() if i["internal_api"] == "fastnn"]
    assert len(info) == 1 and info[0]["user_api"] == "fastnn"
    assert info[0]["num_threads"] == fastnn.get_num_threads()
    fastnn.set_num_threads(2)
    with threadpoolctl.threadpool_limits(1):
        assert fastnn.get_num_threads() == 1
    assert fastnn.get_num_threads() == 2
    with threadpoolctl.threadpool_limits({"fastnn": 1}):
        assert fastnn.get_num_threads() == 1
    with threadpoolctl.threadpool_limits(1, user_api="openmp"):
        assert fastnn.get_num_threads() == 1      # the pool follows OpenMP's own limit


@pytest.mark.slow
@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
def test_grid_search_workers_run_one_fastnn_thread_each(digits):
    from sklearn.model_selection import GridSearchCV

    X, y = digits

    def threads_in_fit(est, X, y):
        return est.fit_threads_

    class Probe(MLPClassifier):
        def fit(self, X, y, sample_weight=None):
            self.fit_threads_ = fastnn._C.team_ceiling()
            return super().fit(X, y, sample_weight)

    search = GridSearchCV(Probe(max_iter=2, random_state=0), {"alpha": [1e-4, 1e-3]}, cv=2,
                          n_jobs=2, scoring=threads_in_fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert list(search.cv_results_["mean_test_score"]) == [1.0, 1.0]


def _net(**kw):
    base = dict(optimizer=optim.Adam, lr=0.01, max_epochs=20, batch_size=64, random_state=0,
                module__hidden=(32,))
    base.update(kw)
    return NeuralNetClassifier(MLPModule, **base)


def test_neural_net_routes_nested_parameters(digits):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    X, y = digits
    net = _net(optimizer=optim.SGD, optimizer__momentum=0.9, criterion__label_smoothing=0.1)
    assert net.get_params()["optimizer__momentum"] == 0.9
    net.set_params(module__hidden=(16, 8), optimizer__momentum=0.5)
    twin = clone(net)
    assert twin.get_params()["module__hidden"] == (16, 8)
    twin.fit(X, y)
    assert [p.shape for p in twin.module_.parameters()][0] == (16, 64)
    assert twin.optimizer_.param_groups[0]["momentum"] == 0.5
    assert twin.criterion_.label_smoothing == 0.1
    search = GridSearchCV(_net(max_epochs=3), {"module__hidden": [(8,), (24,)],
                                               "optimizer__weight_decay": [0.0, 1e-3]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["module__hidden"] in [(8,), (24,)]
    assert len(search.cv_results_["params"]) == 4


def test_neural_net_is_deterministic_and_leaves_the_generator_alone(digits, restore_threads):
    X, y = digits
    X32 = X.astype(np.float32)
    state = fastnn.default_generator().bit_generator.state
    a = _net(module__dropout=0.2).fit(X32, y)
    assert fastnn.default_generator().bit_generator.state == state
    fits = [a]
    for n in (1, 2):
        fastnn.set_num_threads(n)
        fits.append(_net(module__dropout=0.2).fit(X32, y))
    eager = _net(module__dropout=0.2, compile=False).fit(X32, y)
    for other in fits[1:] + [eager]:
        np.testing.assert_array_equal(other.predict_proba(X32), a.predict_proba(X32))
    assert a._dtype() == np.float32 and _net(max_epochs=1).fit(X, y)._dtype() == np.float64


def test_neural_net_sample_weight(digits):
    X, y = digits
    X32 = X.astype(np.float32)
    plain = _net(max_epochs=3).fit(X32, y)
    ones = _net(max_epochs=3).fit(X32, y, sample_weight=np.full(len(y), 2.0))
    np.testing.assert_array_equal(plain.predict_proba(X32), ones.predict_proba(X32))
    # a full batch: integer weights are repeated rows (float64, to rounding)
    sw = np.random.default_rng(0).integers(0, 3, 120)
    full = dict(max_epochs=5, batch_size=1000, shuffle=False)
    weighted = _net(**full).fit(X[:120], y[:120], sample_weight=sw)
    repeated = _net(**full).fit(np.repeat(X[:120], sw, axis=0), np.repeat(y[:120], sw))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9,
                               atol=1e-12)


def test_neural_net_regressor_and_module_instances(regression):
    X, y = regression
    r = NeuralNetRegressor(MLPModule, optimizer=optim.Adam, lr=0.01, max_epochs=30,
                           random_state=0, train_split=0.25).fit(X, y)
    assert r.predict(X).shape == y.shape and r.score(X, y) > 0.5
    assert "valid_loss" in r.history_[-1] and r.n_iter_ == 30
    r1 = NeuralNetRegressor(MLPModule, max_epochs=2, random_state=0).fit(X, y[:, 0])
    assert r1.predict(X).shape == (len(X),)
    start = nn.Sequential(nn.Linear(9, 8), nn.Tanh(), nn.Linear(8, 2))
    before = [p.detach().numpy().copy() for p in start.parameters()]
    fitted = NeuralNetRegressor(start, max_epochs=2).fit(X.astype(np.float32), y)
    assert fitted.module_ is not start             # the instance is copied, never trained
    for p, q in zip(start.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), q)


def test_neural_net_bad_input(digits):
    X, y = digits
    with pytest.raises(NotFittedError):
        _net().predict(X)
    with pytest.raises(ValueError, match="max_epochs"):
        _net(max_epochs=0).fit(X, y)
    with pytest.raises(ValueError, match="lr"):
        _net(lr=-1).fit(X, y)
    with pytest.raises(TypeError, match="'hidden'"):
        _net(hidden=3).fit(X, y)
    with pytest.raises(ValueError, match="module__"):
        NeuralNetClassifier(nn.Linear(64, 10), module__hidden=(3,)).fit(X, y)
    with pytest.raises(ValueError, match="not finite"):
        NeuralNetRegressor(MLPModule, lr=1e6, max_epochs=20).fit(X.astype(np.float32) * 1e6,
                                                                 y * 1e6)


def test_neural_net_pickles_without_extension_state(digits):
    X, y = digits
    net = _net(max_epochs=2).fit(X, y)
    blob = pickle.dumps(net)
    assert b"StepPlan" not in blob and b"CompiledStep" not in blob
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))
    again.partial_fit(X, y)


@parametrize_with_checks([MLPClassifier(max_iter=100), MLPRegressor(max_iter=100),
                          NeuralNetClassifier(MLPModule, optimizer=optim.Adam, lr=0.01,
                                              max_epochs=50),
                          NeuralNetRegressor(MLPModule, optimizer=optim.Adam, lr=0.01,
                                             max_epochs=100)])
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
