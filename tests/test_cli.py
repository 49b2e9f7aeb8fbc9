"""The seqrnn command line, run in-process through ``main``."""

import subprocess
import sys

import pytest

from seqrnn.cli import main


@pytest.mark.parametrize("command", [[], ["train"], ["generate"], ["demo"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: seqrnn" in capsys.readouterr().out


def test_python_dash_m_runs_the_command():
    result = subprocess.run(
        [sys.executable, "-m", "seqrnn", "generate", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "usage: seqrnn generate" in result.stdout


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
    # standard error is not a terminal here: two lines per epoch, no cursor codes
    assert "loss: " in err and "\r" not in err and "\x1b[" not in err and "\b" not in err
    args = ["generate", str(model), "--prompt", "TO BE", "--length", "30", "--seed", "0"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert first.startswith("TO BE") and len(first.rstrip("\n")) >= len("TO BE") + 1
    main(args)
    assert capsys.readouterr().out == first  # the same seed gives the same text
    # keeping only the most likely character is greedy decoding
    main([*args, "--temperature", "0"])
    greedy = capsys.readouterr().out
    for option in (["--top-k", "1"], ["--top-p", "1e-9"]):
        assert main([*args, *option]) == 0
        assert capsys.readouterr().out == greedy


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
        (["generate", "m", "--top-k", "0"], "argument --top-k: expected an integer >= 1"),
        (["generate", "m", "--top-p", "1.5"], "argument --top-p: expected a number in (0, 1]"),
        (["demo", "--top-p", "0"], "argument --top-p: expected a number > 0"),
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
    main(cases[2][0])  # the decoding error names the options that fix it
    assert "set the right --encoding, or --decode-error replace or ignore" in capsys.readouterr().err
    # the right encoding (or decode_error) reads it
    assert main(["train", str(latin), "-o", model, *TINY, "--quiet", "--encoding", "latin-1"]) == 0
    capsys.readouterr()
    assert main(["generate", model, "--prompt", "CAF", "--length", "3", "--seed", "0"]) == 0
    assert capsys.readouterr().out.startswith("CAF")


def test_output_that_cannot_be_written_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import seqrnn.cli as cli

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("To be, or not to be.\n", encoding="utf-8")
    trained = []
    monkeypatch.setattr(cli, "_train_pipeline", lambda *a, **k: trained.append(1))
    for output, message in [
        (tmp_path / "no-such-folder" / "m.seqrnn", "No such directory"),
        (tmp_path, "Is a directory"),
    ]:
        assert main(["train", str(corpus), "-o", str(output), *TINY, "--quiet"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("seqrnn train: error: ") and message in err
        assert str(output) in err and ".tmp" not in err and "\n" not in err
    assert not trained  # refused before any training


def test_nan_loss_prints_one_line(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("To be, or not to be, that is the question.\n" * 5, encoding="utf-8")
    args = ["train", str(corpus), "-o", str(tmp_path / "m.seqrnn"), "--units", "4",
            "--epochs", "3", "--seq-length", "8", "--batch-size", "2", "--quiet",
            "--learning-rate", "1e38"]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("seqrnn train: error: Training of CharLM stopped")
    assert "NaN" in err[-1] and "Traceback" not in "\n".join(err)
    # the remedies are named as the options that set them
    assert "lower --learning-rate or set --clipnorm (e.g. --clipnorm 1.0)" in err[-1]
    assert not (tmp_path / "m.seqrnn").exists()
    # the remedy the message names is an option of the command
    args[args.index("1e38")] = "0.004"
    assert main([*args, "--clipnorm", "1.0"]) == 0


def test_generate_refuses_a_model_that_is_not_a_character_model(tmp_path, capsys):
    import numpy as np

    from seqrnn import CharLM, RNNForecaster, save

    forecaster = RNNForecaster(units=4, epochs=1, random_state=0).fit([np.arange(20.0)])
    numbers = CharLM(units=4, epochs=1, random_state=0).fit(np.array([[1, 2, 3, 1, 2, 3]]))
    for name, model, message in [("f.seqrnn", forecaster, "holds a RNNForecaster"),
                                 ("n.seqrnn", numbers, "holds a CharLM of int64 symbols")]:
        save(model, tmp_path / name)
        for prompt in [[], ["--prompt", "IAGO"]]:
            assert main(["generate", str(tmp_path / name), "--length", "5", *prompt]) == 1
            err = capsys.readouterr().err.strip()
            assert err.startswith("seqrnn generate: error: ") and message in err
            assert "\n" not in err


def test_prompt_of_unseen_characters_names_the_option(tmp_path, capsys):
    # it used to say "The 'context' argument of CharLM.sample contains only
    # symbols never seen in training ('\ufffd\ufffd', 2 symbols)": an API
    # argument the command line does not have, and the prompt after the
    # vectorizer had replaced it
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("to be, or not to be\n" * 5, encoding="utf-8")
    model = tmp_path / "model.seqrnn"
    assert main(["train", str(corpus), "-o", str(model), *TINY, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["generate", str(model), "--prompt", "§§", "--length", "5"]) == 1
    err = capsys.readouterr().err
    assert "--prompt '§§'" in err and "CharLM.sample" not in err and "\ufffd" not in err
    assert len(err.strip().splitlines()) == 1
