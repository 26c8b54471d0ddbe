"""fastnn's benchmark suite, installed as ``fastnn.bench``: fastnn beside
numpy, PyTorch and scikit-learn and beside the machine's own limits.
Run it with ``python -m fastnn bench`` (``--help`` lists the suites)."""
