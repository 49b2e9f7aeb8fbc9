"""seqrnn: scikit-learn-compatible recurrent sequence models on Keras 3.

Nothing happens on import beyond importing Keras: no global state changes.
"""

import os as _os

# Keep TensorFlow's C++ start-up log quiet unless the user asked for it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ._core import NonFiniteLossError  # noqa: E402
from .language_model import CharLM  # noqa: E402

__version__ = "0.1.0"

__all__ = ["CharLM", "NonFiniteLossError", "__version__"]
