"""CharLM against the classic Keras character-LSTM tutorial, measured in one run.

The tutorial's recipe, exactly: character ids divided by the vocabulary size
in an ``(N, 100, 1)`` float array, a one-hot target for the single next
character, stride 1, LSTM(256) + Dropout(0.2) + Dense softmax, Adam, batch
128; generation by ``model.predict`` on the sliding window, one character at a
time. Against it, ``CharLM`` with the same hidden size and the library's
defaults (``--batch-size`` changes its batch).

Both are trained on *Othello* (all scenes but the last two) for the same
wall-clock budget, then scored on the two held-out scenes in nats per
character. Printed: each figure, the ratio CharLM / tutorial, and the target.

Run by hand (about 5 minutes with the defaults)::

    python benchmarks/bench_char_lm.py            # full run, 90 s budgets
    python benchmarks/bench_char_lm.py --quick    # smoke run, a few seconds each
"""

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqrnn import CharLM, CharSequenceVectorizer  # noqa: E402
from seqrnn import _core  # noqa: E402
from seqrnn.callbacks import TimeBudget  # noqa: E402
from seqrnn.datasets import load_shakespeare  # noqa: E402

SEQ_LENGTH = 100


class BatchClock(keras.callbacks.Callback):
    """Record when each training batch ends (to measure steady throughput)."""

    def __init__(self):
        super().__init__()
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())

    def steady_rate(self, items_per_batch, skip=3):
        """Items per second over the batches after the first ``skip`` (compilation)."""
        ends = self.ends[skip:]
        if len(ends) < 2:
            ends = self.ends
        return items_per_batch * (len(ends) - 1) / (ends[-1] - ends[0])


# ----------------------------------------------------------------- tutorial
def tutorial_data(text, chars):
    """The tutorial's arrays: scaled float windows and one-hot next characters."""
    char_to_int = {c: i for i, c in enumerate(chars)}
    ids = np.array([char_to_int[c] for c in text])
    data_x = [ids[i:i + SEQ_LENGTH] for i in range(len(ids) - SEQ_LENGTH)]
    data_y = ids[SEQ_LENGTH:]
    X = np.reshape(data_x, (len(data_x), SEQ_LENGTH, 1)) / float(len(chars))
    y = keras.utils.to_categorical(data_y, num_classes=len(chars))
    return X, y


def tutorial_model(n_vocab, units, seed=0):
    keras.utils.set_random_seed(seed)  # a script may; the library never does
    model = keras.Sequential([
        keras.Input((SEQ_LENGTH, 1)),
        keras.layers.LSTM(units),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(n_vocab, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def tutorial_generate(model, seed_ids, n_chars, n_vocab):
    """The tutorial's loop: model.predict on the sliding window, per character."""
    pattern = list(seed_ids)
    out = []
    for _ in range(n_chars):
        x = np.reshape(pattern, (1, len(pattern), 1)) / float(n_vocab)
        index = int(np.argmax(model.predict(x, verbose=0)))
        out.append(index)
        pattern = pattern[1:] + [index]
    return out


def tutorial_heldout_nats(model, docs, chars, n_positions):
    """Mean negative log-likelihood of held-out characters (100-char context)."""
    char_to_int = {c: i for i, c in enumerate(chars)}
    windows, targets = [], []
    for doc in docs:
        ids = np.array([char_to_int.get(c, -1) for c in doc])
        for t in range(SEQ_LENGTH, len(ids)):
            if ids[t] >= 0 and (ids[t - SEQ_LENGTH:t] >= 0).all():
                windows.append(ids[t - SEQ_LENGTH:t])
                targets.append(ids[t])
    pick = np.linspace(0, len(targets) - 1, min(n_positions, len(targets))).astype(int)
    X = np.array(windows)[pick][..., None] / float(len(chars))
    proba = model.predict(X, batch_size=512, verbose=0)
    return float(-np.mean(np.log(np.maximum(proba[np.arange(len(pick)), np.array(targets)[pick]], 1e-12))))


# ------------------------------------------------------------------- CharLM
def charlm_memory(lm, docs):
    """Bytes CharLM holds for training: the id streams plus the chunk index."""
    rows = lm._check_rows(docs)
    classes = lm._learn_classes(rows)
    inputs, targets, weights, offsets = lm._training_streams(rows, classes)
    starts, sizes = _core.chunk_index(offsets, lm.seq_length)
    held = inputs.nbytes + targets.nbytes + starts.nbytes + sizes.nbytes + offsets.nbytes
    return held + (0 if weights is None else weights.nbytes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds per model")
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=64,
                        help="CharLM's chunks per batch (default: 64, the library default)")
    parser.add_argument("--sample-chars", type=int, default=500)
    parser.add_argument("--tutorial-sample-chars", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 8 s budgets, 64 units")
    args = parser.parse_args()
    if args.quick:
        args.budget, args.units, args.sample_chars, args.tutorial_sample_chars = 8.0, 64, 100, 10

    vec = CharSequenceVectorizer()
    scenes = vec.fit_transform(load_shakespeare("othello"))
    train_docs, heldout_docs = scenes[:-2], scenes[-2:]
    text = "".join(train_docs)
    chars = sorted(set(text))
    n_corpus = len(text)
    print(f"corpus: {n_corpus:,} training characters, {sum(map(len, heldout_docs)):,} held out, "
          f"vocabulary {len(chars)}; LSTM({args.units}); budget {args.budget:g} s each; "
          f"keras {keras.__version__} ({keras.backend.backend()}), {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}")

    # -- tutorial
    t0 = time.perf_counter()
    X, y = tutorial_data(text, chars)
    tut_prep = time.perf_counter() - t0
    tut_bytes = X.nbytes + y.nbytes
    model = tutorial_model(len(chars), args.units)
    clock = BatchClock()
    model.fit(X, y, batch_size=128, epochs=1000, verbose=0,
              callbacks=[clock, TimeBudget(args.budget)])
    tut_train = clock.steady_rate(128)
    tut_nats = tutorial_heldout_nats(model, heldout_docs, chars, n_positions=4000)
    seed_ids = [chars.index(c) for c in text[:SEQ_LENGTH]]
    tutorial_generate(model, seed_ids, 2, len(chars))  # warm up
    t0 = time.perf_counter()
    tutorial_generate(model, seed_ids, args.tutorial_sample_chars, len(chars))
    tut_sample = args.tutorial_sample_chars / (time.perf_counter() - t0)
    del X, y, model

    # -- CharLM
    clock = BatchClock()
    lm = CharLM(units=args.units, batch_size=args.batch_size, epochs=1000, random_state=0,
                callbacks=[clock, TimeBudget(args.budget)])
    lm_bytes = charlm_memory(lm, train_docs)
    lm.fit(train_docs)
    lm_train = clock.steady_rate(lm.batch_size * lm.seq_length)
    lm_nats = -lm.score(heldout_docs)
    lm.sample(args.sample_chars, context="iago", random_state=0)  # compile once
    lm.sample(args.sample_chars, context="iago", n_samples=32, random_state=0)
    t0 = time.perf_counter()
    lm.sample(args.sample_chars, context="iago", random_state=1)
    lm_sample1 = args.sample_chars / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    lm.sample(args.sample_chars, context="iago", n_samples=32, random_state=1)
    lm_sample32 = 32 * args.sample_chars / (time.perf_counter() - t0)

    rows = [
        ("training: predicted chars / s", tut_train, lm_train, "higher", ">= 50x"),
        ("sampling, 1 stream: chars / s", tut_sample, lm_sample1, "higher", ">= 300x"),
        ("sampling, 32 streams: chars / s", tut_sample, lm_sample32, "higher", ">= 2,000x"),
        ("training data: bytes / corpus char", tut_bytes / n_corpus, lm_bytes / n_corpus, "lower", "<= 1/100"),
        (f"held-out nats / char after {args.budget:g} s", tut_nats, lm_nats, "lower", "lower"),
    ]
    print()
    print(f"| {'measure':<40} | {'tutorial':>12} | {'CharLM':>12} | {'ratio':>10} | target")
    print(f"|{'-' * 42}|{'-' * 14}|{'-' * 14}|{'-' * 12}|--------")
    for name, base, ours, better, target in rows:
        ratio = ours / base
        shown = f"{ratio:,.1f}x" if better == "higher" else (f"1/{1 / ratio:,.0f}" if ratio < 0.5 else f"{ratio:.3f}")
        print(f"| {name:<40} | {base:>12,.2f} | {ours:>12,.2f} | {shown:>10} | {target}")
    print(f"\n(tutorial data preparation took {tut_prep:.1f} s; CharLM trained "
          f"{lm.n_epochs_} epochs in its budget)")


if __name__ == "__main__":
    main()
