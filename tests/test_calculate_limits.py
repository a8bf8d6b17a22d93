"""`calculate` bounds its work: no expression can freeze the process or escape as an uncaught exception.

The hang cases run the real `kefu tool call` in a subprocess with a timeout, a guard against hanging rather
than a timing assertion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import ToolError
from assistant.tools import ALL_TOOLS

calculate = ALL_TOOLS["calculate"].func


def _call(expression: str, tmp_path) -> dict:
    kefu = Path(sys.executable).parent / "kefu"
    proc = subprocess.run([str(kefu), "tool", "call", "calculate", "--args", json.dumps({"expression": expression})],
                          env={**os.environ, "KEFU_DATA_DIR": str(tmp_path)}, capture_output=True, text=True,
                          timeout=60)
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("expression, error", [
    ("((9**1000)**1000)**1000", "exponent too large"),
    ("1" + "+1" * 1200, "expression too long (at most 500 characters)"),
])
def test_runaway_expressions_are_tool_errors(expression, error, tmp_path):
    assert _call(expression, tmp_path) == {"name": "calculate", "error": error}


@pytest.mark.parametrize("expression", ["9**300*9**300*9**300*9**300", "(" * 240 + "1" + ")" * 240, "-" * 499 + "1"])
def test_large_or_deep_expressions_end_in_a_result_or_a_tool_error(expression):
    try:
        assert float(calculate(None, expression=expression)) == float(calculate(None, expression=expression))
    except ToolError as exc:  # a clear error the model sees, not a crash
        assert str(exc)


def test_ordinary_arithmetic_is_unchanged():
    assert calculate(None, expression="(49.99 - 12.5) * 2") == "74.98"
    assert calculate(None, expression="10**20") == "1e+20" and calculate(None, expression="0.125*1") == "0.12"
