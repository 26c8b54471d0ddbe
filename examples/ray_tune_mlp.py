"""Hyper-parameter search with Ray Tune (d2l 5.2's choices: width and weight
decay): a function trainable scores fastnn's MLPClassifier by 3-fold
cross-validation on part of Fashion-MNIST; Tune runs the grid on 2 local CPUs
and reports the best configuration, then it is scored on the test set."""
import warnings

import numpy as np
import ray
from ray import tune
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score

from fastnn.datasets import load_fashion_mnist
from fastnn.sklearn import MLPClassifier

from _common import args

a = args(__doc__)
(X_train, y_train), (X_test, y_test) = load_fashion_mnist()
n_train, n_test = (2000, 1000) if a.quick else (10000, 10000)
X = (X_train[:n_train].reshape(n_train, -1) / np.float32(255)).astype(np.float32)
y = y_train[:n_train]
Xt = (X_test[:n_test].reshape(n_test, -1) / np.float32(255)).astype(np.float32)
max_iter = 5 if a.quick else 20


def trainable(config, X=None, y=None):
    """One trial: the mean 3-fold accuracy of one configuration."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(config["hidden"],), alpha=config["alpha"],
                              max_iter=max_iter, random_state=a.seed)
        return {"accuracy": float(np.mean(cross_val_score(model, X, y, cv=3)))}


ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
try:
    tuner = tune.Tuner(tune.with_parameters(trainable, X=X, y=y),
                       param_space={"hidden": tune.grid_search([64, 256]),
                                    "alpha": tune.grid_search([1e-4, 1.0])},
                       tune_config=tune.TuneConfig(metric="accuracy", mode="max"),
                       run_config=tune.RunConfig(storage_path=a.out, name="ray_tune_mlp",
                                                 verbose=0))
    results = tuner.fit()
finally:
    ray.shutdown()
for r in sorted(results, key=lambda r: (r.config["hidden"], r.config["alpha"])):
    print(f"hidden {r.config['hidden']:4d}, alpha {r.config['alpha']:g}: "
          f"mean validation accuracy over 3 folds {r.metrics['accuracy']:.4f}")
best = results.get_best_result().config
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    final = MLPClassifier(hidden_layer_sizes=(best["hidden"],), alpha=best["alpha"],
                          max_iter=max_iter, random_state=a.seed).fit(X, y)
print(f"chosen: hidden {best['hidden']}, alpha {best['alpha']:g}; "
      f"test accuracy {final.score(Xt, y_test[:n_test]):.4f}")
