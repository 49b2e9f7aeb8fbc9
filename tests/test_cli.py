"""The seqrnn command line, run in-process through ``main``."""

import pytest

from seqrnn.cli import main


@pytest.mark.parametrize("command", [[], ["train"], ["generate"], ["demo"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: seqrnn" in capsys.readouterr().out


def test_train_then_generate(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("To be, or not to be, that is the question.\n" * 5, encoding="utf-8")
    model = tmp_path / "model.seqrnn"
    tiny = ["--units", "4", "--epochs", "1", "--seq-length", "16", "--quiet"]
    assert main(["train", str(corpus), "-o", str(model), *tiny]) == 0
    assert model.exists()
    capsys.readouterr()
    args = ["generate", str(model), "--prompt", "TO BE", "--length", "30", "--seed", "0"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert first.startswith("TO BE") and len(first.rstrip("\n")) >= len("TO BE") + 1
    main(args)
    assert capsys.readouterr().out == first  # the same seed gives the same text


def test_demo_runs_on_othello(capsys):
    args = ["demo", "--units", "4", "--epochs", "1", "--length", "25", "--seed", "0", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("iago")


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate"])
    assert exit_info.value.code == 2
    assert "MODEL" in capsys.readouterr().err
