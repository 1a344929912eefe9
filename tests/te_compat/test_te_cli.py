"""The ``te-compat demo`` command: builds the examples, checks them, prints the table."""

from __future__ import annotations

import pytest

from te_compat import cli, examples


def test_demo_checks_every_example_against_numpy(monkeypatch, capsys) -> None:
    small = [
        examples.elementwise(1000),
        examples.matmul(16),
        examples.conv2d_nchw(1, 2, 3, 6),
        examples.softmax(4, 8),
    ]
    monkeypatch.setattr(cli, "all_examples", lambda: small)
    assert cli.main(["demo", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for name in ("elementwise", "matmul", "conv2d", "softmax"):
        assert any(line.startswith(name) and " ok " in line for line in out.splitlines()), name
    assert "ours/numpy" in out


def test_demo_reports_a_mismatch(monkeypatch, capsys) -> None:
    good = examples.elementwise(64)
    wrong = examples.Example(
        "wrong",
        "reference off by one",
        good.tensors,
        good.inputs,
        lambda a, b: good.reference(a, b) + 1,
    )
    monkeypatch.setattr(cli, "all_examples", lambda: [wrong])
    assert cli.main(["demo", "--repeat", "1"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_unknown_command_is_rejected() -> None:
    with pytest.raises(SystemExit):
        cli.main(["frobnicate"])
