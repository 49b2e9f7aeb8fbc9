"""seqrnn: scikit-learn-compatible recurrent sequence models on Keras 3.

Importing seqrnn is cheap and changes no global state: the estimators (and so
Keras and its backend) are imported on first use.
"""

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    "CharLM": "language_model",
    "CharSequenceVectorizer": "text",
    "NonFiniteLossError": "_core",
    "RNNForecaster": "forecasting",
    "RNNSequenceClassifier": "classification",
    "RNNSequenceRegressor": "classification",
    "SeriesWindower": "series",
    "generate": "generation",
    "load": "persistence",
    "save": "persistence",
    "make_next_char_dataset": "text",
}
_SUBMODULES = {"callbacks", "datasets"}

__all__ = sorted([*_PUBLIC, *_SUBMODULES, "__version__"])


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'seqrnn' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return __all__
