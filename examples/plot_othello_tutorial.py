"""
The Othello character-LSTM tutorial, with seqrnn
=================================================

The classic Keras tutorial trains an LSTM(256) with Dropout(0.2) and a softmax
layer on 100-character windows of Shakespeare's *Othello*, then generates 500
characters. With seqrnn it is a two-step pipeline: a vectorizer that
lower-cases and normalises each scene, and a :class:`~seqrnn.CharLM` that
learns the next character at every position of every scene.

Run it with ``python examples/plot_othello_tutorial.py`` (about two minutes
on two CPU cores); it saves the loss curve next to itself.
"""

# %%
# Data: one document per scene, so that validation holds out whole scenes'
# worth of text rather than overlapping windows.
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

from seqrnn import CharLM, CharSequenceVectorizer, generate  # noqa: E402
from seqrnn.datasets import load_shakespeare  # noqa: E402

scenes = load_shakespeare("othello")
print(f"{len(scenes)} scenes, {sum(map(len, scenes)):,} characters")

# %%
# The model: the tutorial's LSTM(256) + Dropout(0.2) + softmax, trained with
# Adam on 100-character chunks. ``validation_fraction`` keeps the last 10% of
# the text aside to watch for over-fitting.
pipe = Pipeline([
    ("vec", CharSequenceVectorizer(lowercase=True)),
    ("lm", CharLM(units=256, dropout=0.2, seq_length=100, epochs=20,
                  validation_fraction=0.1, random_state=0, verbose=1)),
])
pipe.fit(scenes)

# %%
# The loss curve, in nats per character, straight from ``history_``.
history = pipe.named_steps["lm"].history_
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(1, len(history["loss"]) + 1), history["loss"], label="training")
ax.plot(range(1, len(history["val_loss"]) + 1), history["val_loss"], label="validation")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy (nats / character)")
ax.set_title("CharLM on Othello: LSTM(256), Dropout(0.2)")
ax.legend()
fig.tight_layout()
fig.savefig(Path(__file__).with_suffix(".png"), dpi=100)

# %%
# 500 generated characters. The prompt goes through the vectorizer first, so
# "IAGO" is lower-cased like the training text.
print("iago" + generate(pipe, 500, context="IAGO", temperature=0.8, random_state=0))
