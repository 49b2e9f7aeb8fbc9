"""The ``seqrnn`` command: ``train``, ``generate`` and ``demo``.

``seqrnn demo`` is the classic tutorial end to end: train a character LSTM on
Shakespeare's *Othello* (bundled through the ``datasets`` extra) with a
progress bar, then print 500 generated characters.
"""

import argparse
import errno
import math
import os
import sys
import time

DEMO_PROMPT = "iago"


def _quiet_tensorflow():
    """Import TensorFlow (if it is the backend) with its start-up log silenced.

    TensorFlow's C++ runtime writes its start-up notices straight to file
    descriptor 2 before any logging is configured, so the descriptor itself is
    pointed at /dev/null while it loads; Python warnings from Keras and
    TensorFlow are filtered for the command's run.
    """
    import logging
    import warnings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="keras")
    warnings.filterwarnings("ignore", module="tensorflow")
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_logical_devices()  # the device scan logs once more
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _number(kind, low, *, inclusive):
    """An argparse type: a finite ``kind`` number above ``low`` (or at it, if ``inclusive``)."""
    bound = f">= {low}" if inclusive else f"> {low}"
    name = "an integer" if kind is int else "a number"

    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"expected {name} {bound}, got {text!r}")
        return value

    return convert


_POSITIVE_INT = _number(int, 1, inclusive=True)
_SEED = _number(int, 0, inclusive=True)
_POSITIVE = _number(float, 0, inclusive=False)


def _probability(text):
    """An argparse type: a number in (0, 1]."""
    value = _POSITIVE(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def _add_training_options(parser, *, epochs, time_budget=None):
    budget = "no limit" if time_budget is None else f"{time_budget:g}"
    parser.add_argument("--units", type=_POSITIVE_INT, default=256, help="LSTM units (default: 256)")
    parser.add_argument("--epochs", type=_POSITIVE_INT, default=epochs, help=f"passes over the corpus (default: {epochs})")
    parser.add_argument("--seq-length", type=_POSITIVE_INT, default=100, help="training chunk length (default: 100)")
    parser.add_argument("--batch-size", type=_POSITIVE_INT, default=64, help="chunks per batch (default: 64)")
    parser.add_argument("--learning-rate", type=_POSITIVE, default=0.004, help="Adam learning rate (default: 0.004)")
    parser.add_argument("--clipnorm", type=_POSITIVE, default=None, help="clip each gradient to this norm, against a loss that becomes NaN (default: none)")
    parser.add_argument("--random-state", type=_SEED, default=0, help="seed (default: 0)")
    parser.add_argument("--time-budget", type=_POSITIVE, default=time_budget, metavar="SECONDS", help=f"stop training after this many seconds (default: {budget})")
    parser.add_argument("--quiet", action="store_true", help="no progress report (otherwise a progress bar on a terminal, two lines per epoch in a file or pipe)")


def _add_sampling_options(parser):
    parser.add_argument("--length", type=_POSITIVE_INT, default=500, help="characters to generate (default: 500)")
    parser.add_argument("--temperature", type=_number(float, 0, inclusive=True), default=0.8, help="sampling temperature; 0 is greedy (default: 0.8)")
    parser.add_argument("--top-k", type=_POSITIVE_INT, default=None, help="sample only from the K most likely characters (default: all)")
    parser.add_argument("--top-p", type=_probability, default=None, help="sample only from the most likely characters whose probabilities add up to P (default: 1)")
    parser.add_argument("--seed", type=_SEED, default=None, help="seed of the sampler (default: random)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="seqrnn",
        description="Character-level recurrent language models, scikit-learn style.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train", help="train a character model on text files",
        description="Train a CharSequenceVectorizer + CharLM pipeline and save it.",
    )
    train.add_argument(
        "corpus", nargs="*", metavar="CORPUS",
        help="text files, one document each (default: the bundled Othello, one document per scene)",
    )
    train.add_argument(
        "-o", "--output", required=True, metavar="MODEL",
        help="where to save the model, in seqrnn's safe format (loading it runs no code)",
    )
    train.add_argument("--encoding", default="utf-8", help="encoding of the corpus files (default: utf-8)")
    train.add_argument(
        "--decode-error", default="strict", choices=["strict", "replace", "ignore"],
        help="what to do with bytes that are not valid in the encoding (default: strict)",
    )
    _add_training_options(train, epochs=20)

    gen = commands.add_parser(
        "generate", help="generate text from a saved model",
        description="Continue a prompt with a model saved by 'seqrnn train'.",
    )
    gen.add_argument("model", metavar="MODEL", help="a model file saved by 'seqrnn train'")
    gen.add_argument("--prompt", default=None, metavar="TEXT", help="text to continue (default: none)")
    _add_sampling_options(gen)

    demo = commands.add_parser(
        "demo", help="train on Othello and print generated text",
        description="The classic tutorial: train a character LSTM on Othello, then generate.",
    )
    _add_training_options(demo, epochs=30, time_budget=100.0)
    _add_sampling_options(demo)
    demo.add_argument("--prompt", default=DEMO_PROMPT, metavar="TEXT", help=f"text to continue (default: {DEMO_PROMPT!r})")
    return parser


def _train_pipeline(docs, args, **reading):
    """Fit vectorizer + CharLM on ``docs``; ``reading``: how the vectorizer reads them.

    The fitted pipeline reads text as content (prompts), and keeps no
    training-only callback, so that it can be saved.
    """
    from contextlib import redirect_stdout

    from sklearn.pipeline import Pipeline

    from .callbacks import TimeBudget
    from .language_model import CharLM
    from .text import CharSequenceVectorizer

    pipe = Pipeline([
        ("vec", CharSequenceVectorizer(**reading)),
        ("lm", CharLM(
            units=args.units, epochs=args.epochs, seq_length=args.seq_length,
            batch_size=args.batch_size, learning_rate=args.learning_rate, clipnorm=args.clipnorm,
            random_state=args.random_state, verbose=_verbosity(args),
            callbacks=None if args.time_budget is None else [TimeBudget(args.time_budget)],
        )),
    ])
    start = time.perf_counter()
    with redirect_stdout(sys.stderr):  # Keras's progress bar: stdout is for the text
        pipe.fit(docs)
    pipe.set_params(vec__input="content", lm__callbacks=None)
    lm = pipe.named_steps["lm"]
    print(
        f"trained {lm.n_epochs_} epoch{'s' * (lm.n_epochs_ != 1)} in "
        f"{time.perf_counter() - start:.0f} s; "
        f"final loss {lm.history_['loss'][-1]:.3f} nats/char",
        file=sys.stderr,
    )
    return pipe


def _verbosity(args):
    """Keras's verbose level: a progress bar on a terminal, two lines per epoch
    (``Epoch n/N`` and a summary) when standard error goes to a file or a pipe
    (no cursor codes in a log)."""
    if args.quiet:
        return 0
    return 1 if getattr(sys.stderr, "isatty", lambda: False)() else 2


def _print_sample(pipe, args):
    from .generation import generate

    if args.prompt:
        lm = pipe.steps[-1][1] if hasattr(pipe, "steps") else pipe
        seen = pipe[:-1].transform([args.prompt])[0] if hasattr(pipe, "steps") else args.prompt
        if not set(seen) & set(lm.classes_):
            raise ValueError(
                f"--prompt {args.prompt!r} has no character the model was trained on; "
                "give a prompt with at least one character of the training text."
            )
    text = generate(
        pipe, args.length, context=args.prompt or None,
        temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
        random_state=args.seed,
    )
    print((args.prompt or "") + text)


def _check_output(path):
    """Refuse an output path that cannot be written, before any training."""
    if os.path.isdir(path):
        raise IsADirectoryError(
            errno.EISDIR, "Is a directory (give a file name for the model)", path
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "No such directory to save the model in", path)
    if not os.access(folder, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied to write in its directory", path)


def _load_text_model(path):
    """A model file for ``generate``: a character model (or a pipeline ending in one)."""
    import numpy as np
    from sklearn.pipeline import Pipeline

    from .language_model import CharLM
    from .persistence import load

    model = load(path)
    last = model.steps[-1][1] if isinstance(model, Pipeline) else model
    classes = getattr(last, "classes_", None)
    if not isinstance(last, CharLM):
        what = f"a {type(last).__name__}"
    elif classes is not None and classes.dtype != np.dtype("<U1"):
        what = f"a CharLM of {classes.dtype} symbols"
    else:
        return model
    raise ValueError(
        f"{path!r} holds {what}, not a character model; 'seqrnn generate' "
        "continues text with a model saved by 'seqrnn train'."
    )


def _run(args):
    from .datasets import load_shakespeare
    from .persistence import save

    if args.command == "train":
        _check_output(args.output)
        if args.corpus:
            reading = dict(input="filename", encoding=args.encoding, decode_error=args.decode_error)
            pipe = _train_pipeline(args.corpus, args, **reading)
        else:
            pipe = _train_pipeline(load_shakespeare("othello"), args)
        save(pipe, args.output)
        print(f"saved to {args.output}", file=sys.stderr)
    elif args.command == "generate":
        _print_sample(_load_text_model(args.model), args)
    else:
        _print_sample(_train_pipeline(load_shakespeare("othello"), args), args)


def main(argv=None):
    """Entry point of the ``seqrnn`` console script.

    Returns 0 on success; a file that cannot be read or written, an input
    the estimators refuse, a training loss that became NaN, a model file
    that holds no character model, or a missing optional package prints one line
    ``seqrnn COMMAND: error: ...`` and returns 1 (argparse exits with 2 on a
    bad command line).
    """
    args = build_parser().parse_args(argv)
    _quiet_tensorflow()
    try:
        _run(args)
    except BrokenPipeError:
        # the reader of standard output went away (`seqrnn demo | head`):
        # nothing more to say, and nothing left to flush at exit
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # stdout is not a file
            pass
        return 1
    except (OSError, ValueError, ImportError, FloatingPointError) as exc:
        # FloatingPointError: seqrnn.NonFiniteLossError, a NaN training loss
        print(f"seqrnn {args.command}: error: {_in_option_names(exc)}", file=sys.stderr)
        return 1
    return 0


#: The remedies the estimators name, as the options that set them here.
_OPTION_NAMES = {
    FloatingPointError: [
        ("lower learning_rate", "lower --learning-rate"),
        ("set clipnorm (e.g. clipnorm=1.0)", "set --clipnorm (e.g. --clipnorm 1.0)"),
    ],
    UnicodeDecodeError: [
        ("set the right 'encoding'", "set the right --encoding"),
        ("decode_error='replace' or 'ignore'", "--decode-error replace or ignore"),
    ],
}


def _in_option_names(exc):
    """The message of ``exc``, its remedies named as options of the command."""
    message = str(exc)
    for kind, names in _OPTION_NAMES.items():
        if isinstance(exc, kind) or isinstance(exc.__cause__, kind):
            for name, option in names:
                message = message.replace(name, option)
    return message


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
