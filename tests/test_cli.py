"""The seqrnn command line, run in-process through ``main``."""

import pytest

from seqrnn.cli import main


@pytest.mark.parametrize("command", [[], ["train"], ["generate"], ["demo"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: seqrnn" in capsys.readouterr().out


TINY = ["--units", "4", "--epochs", "1", "--seq-length", "16"]


def test_train_then_generate(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("To be, or not to be, that is the question.\n" * 5, encoding="utf-8")
    model = tmp_path / "model.seqrnn"
    # a time budget and the progress bar: the model is saved, stdout stays empty
    assert main(["train", str(corpus), "-o", str(model), *TINY, "--time-budget", "60"]) == 0
    assert model.exists()
    out, err = capsys.readouterr()
    assert out == "" and "saved to" in err
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


@pytest.mark.parametrize(
    "args, message",
    [
        (["generate", "m", "--length", "0"], "argument --length: expected an integer >= 1, got '0'"),
        (["generate", "m", "--temperature", "-1"], "argument --temperature: expected a number >= 0"),
        (["generate", "m", "--seed", "-1"], "argument --seed: expected an integer >= 0"),
        (["train", "c", "-o", "m", "--units", "0"], "argument --units: expected an integer >= 1"),
        (["train", "c", "-o", "m", "--learning-rate", "nan"], "argument --learning-rate"),
        (["train", "c", "-o", "m", "--learning-rate", "inf"], "argument --learning-rate"),
    ],
)
def test_bad_numbers_exit_with_usage(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_errors_print_one_line_and_return_1(tmp_path, capsys):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café au lait\n".encode("latin-1"))
    model = str(tmp_path / "m.seqrnn")
    cases = [
        (["generate", str(tmp_path / "missing.seqrnn")], "No such file"),
        (["generate", str(latin)], "not a seqrnn model file"),
        (["train", str(latin), "-o", model, *TINY, "--quiet"], "could not decode document 0"),
        (["train", str(latin), "-o", model, *TINY, "--quiet", "--encoding", "bogus"],
         "'encoding' parameter"),
    ]
    for args, message in cases:
        assert main(args) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"seqrnn {args[0]}: error: ") and message in err
        assert "\n" not in err  # one line, no traceback
    # the right encoding (or decode_error) reads it
    assert main(["train", str(latin), "-o", model, *TINY, "--quiet", "--encoding", "latin-1"]) == 0
    capsys.readouterr()
    assert main(["generate", model, "--prompt", "CAF", "--length", "3", "--seed", "0"]) == 0
    assert capsys.readouterr().out.startswith("CAF")
