"""scikit-learn estimators on fastnn (needs scikit-learn: ``pip install fastnn-cpu[sklearn]``).

- ``MLPClassifier``, ``MLPRegressor``: scikit-learn's multi-layer perceptrons
  (the same constructor, fitted attributes and results), trained by fastnn's
  kernels.
- ``NeuralNetClassifier``, ``NeuralNetRegressor``: any fastnn ``Module`` as an
  estimator, with nested parameters (``module__hidden=...``,
  ``optimizer__momentum=...``) for ``GridSearchCV``.

They run under joblib, Dask and Ray as any scikit-learn estimator does; the
threads fastnn uses in each fit follow threadpoolctl's and the worker's
``OMP_NUM_THREADS`` limits.
"""
try:
    from sklearn.neural_network import MLPClassifier as _SkMLP
except ImportError as e:          # pragma: no cover - depends on the environment
    raise ImportError("fastnn.sklearn needs scikit-learn: pip install 'fastnn-cpu[sklearn]'") from e
import inspect as _inspect

# the estimators take over scikit-learn's training loop, whose arguments
# (sample weights among them) are those of scikit-learn 1.7 and later
if "sample_weight" not in _inspect.signature(_SkMLP._fit_stochastic).parameters:
    raise ImportError("fastnn.sklearn needs scikit-learn >= 1.7: "  # pragma: no cover
                      "pip install 'fastnn-cpu[sklearn]'")

from ._mlp import MLPClassifier, MLPRegressor
from ._net import MLPModule, NeuralNetClassifier, NeuralNetRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "NeuralNetClassifier", "NeuralNetRegressor",
           "MLPModule"]
