"""seqrnn: scikit-learn-compatible recurrent sequence models on Keras 3.

Importing seqrnn imports Keras (and its backend) and changes no global state
beyond quietening TensorFlow's C++ start-up log.
"""

import os as _os

# Keep TensorFlow's C++ start-up log quiet unless the user asked for it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from . import datasets  # noqa: E402
from ._core import NonFiniteLossError  # noqa: E402
from .generation import generate  # noqa: E402
from .language_model import CharLM  # noqa: E402
from .text import CharSequenceVectorizer, make_next_char_dataset  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "CharLM",
    "CharSequenceVectorizer",
    "NonFiniteLossError",
    "__version__",
    "datasets",
    "generate",
    "make_next_char_dataset",
]
