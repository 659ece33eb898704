"""``hdscan agent`` on the command line: bounded options, a refused output file, a one-shot run."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import main


def _run(*args):
    return CliRunner().invoke(main, ["agent", *map(str, args)])


@pytest.mark.parametrize("args, message", [
    (["--duration", "7 days"], "not a duration"),
    (["--interval", "0s"], "minimum of 1 s"),
    (["--interval", "10s", "--flush", "5s"], "at least --interval"),
    (["--duration", "2y"], "not a duration"),
])
def test_bad_options_are_usage_errors(tmp_path, args, message):
    result = _run("-o", tmp_path / "a.json", *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "a.json").exists()


def test_a_foreign_output_file_is_refused_not_overwritten(tmp_path):
    out = tmp_path / "a.json"
    out.write_text('{"schema": "hdscan-agent-inventory/1", "host": ', encoding="utf-8")
    result = _run("-o", out)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("hdscan: error")]
    assert len(lines) == 1 and str(out) in lines[0] and "invalid JSON" in lines[0]
    assert out.read_text(encoding="utf-8") == '{"schema": "hdscan-agent-inventory/1", "host": '


def test_one_shot_then_resume(tmp_path):
    out = tmp_path / "a.json"
    first = _run("-q", "-o", out)
    assert first.exit_code == 0, first.output
    assert "1 samples" in first.output and "(resumed)" not in first.output
    second = _run("-q", "-o", out)
    assert second.exit_code == 0 and "2 samples" in second.output and "(resumed)" in second.output
    assert json.loads(out.read_text())["samples"] == 2
