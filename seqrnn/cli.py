"""The ``seqrnn`` command: ``train``, ``generate`` and ``demo``.

``seqrnn demo`` is the classic tutorial end to end: train a character LSTM on
Shakespeare's *Othello* (bundled through the ``datasets`` extra) with a
progress bar, then print 500 generated characters.
"""

import argparse
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


def _add_training_options(parser, *, epochs, time_budget=None):
    budget = "no limit" if time_budget is None else f"{time_budget:g}"
    parser.add_argument("--units", type=int, default=256, help="LSTM units (default: 256)")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"passes over the corpus (default: {epochs})")
    parser.add_argument("--seq-length", type=int, default=100, help="training chunk length (default: 100)")
    parser.add_argument("--batch-size", type=int, default=64, help="chunks per batch (default: 64)")
    parser.add_argument("--learning-rate", type=float, default=0.004, help="Adam learning rate (default: 0.004)")
    parser.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    parser.add_argument("--time-budget", type=float, default=time_budget, metavar="SECONDS", help=f"stop training after this many seconds (default: {budget})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_sampling_options(parser):
    parser.add_argument("--length", type=int, default=500, help="characters to generate (default: 500)")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature; 0 is greedy (default: 0.8)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the sampler (default: random)")


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


def _train_pipeline(docs, args):
    from sklearn.pipeline import Pipeline

    from .callbacks import TimeBudget
    from .language_model import CharLM
    from .text import CharSequenceVectorizer

    pipe = Pipeline([
        ("vec", CharSequenceVectorizer()),
        ("lm", CharLM(
            units=args.units, epochs=args.epochs, seq_length=args.seq_length,
            batch_size=args.batch_size, learning_rate=args.learning_rate,
            random_state=args.random_state, verbose=0 if args.quiet else 1,
            callbacks=None if args.time_budget is None else [TimeBudget(args.time_budget)],
        )),
    ])
    start = time.perf_counter()
    pipe.fit(docs)
    lm = pipe.named_steps["lm"]
    print(
        f"trained {lm.n_epochs_} epochs in {time.perf_counter() - start:.0f} s; "
        f"final loss {lm.history_['loss'][-1]:.3f} nats/char",
        file=sys.stderr,
    )
    return pipe


def _print_sample(pipe, args):
    from .generation import generate

    text = generate(
        pipe, args.length, context=args.prompt or None,
        temperature=args.temperature, random_state=args.seed,
    )
    print((args.prompt or "") + text)


def main(argv=None):
    """Entry point of the ``seqrnn`` console script."""
    args = build_parser().parse_args(argv)
    _quiet_tensorflow()
    from .persistence import load, save

    if args.command == "train":
        if args.corpus:
            # Read here rather than with input="filename", so that the saved
            # pipeline's vectorizer takes prompts as content.
            from pathlib import Path

            docs = [Path(p).read_text(encoding=args.encoding) for p in args.corpus]
        else:
            from .datasets import load_shakespeare

            docs = load_shakespeare("othello")
        pipe = _train_pipeline(docs, args)
        save(pipe, args.output)
        print(f"saved to {args.output}", file=sys.stderr)
    elif args.command == "generate":
        pipe = load(args.model)
        _print_sample(pipe, args)
    else:
        from .datasets import load_shakespeare

        pipe = _train_pipeline(load_shakespeare("othello"), args)
        _print_sample(pipe, args)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
