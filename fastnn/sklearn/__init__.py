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
    import sklearn  # noqa: F401
except ImportError as e:          # pragma: no cover - depends on the environment
    raise ImportError("fastnn.sklearn needs scikit-learn: pip install 'fastnn-cpu[sklearn]'") from e

from ._mlp import MLPClassifier, MLPRegressor
from ._net import MLPModule, NeuralNetClassifier, NeuralNetRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "NeuralNetClassifier", "NeuralNetRegressor",
           "MLPModule"]
