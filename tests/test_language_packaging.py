"""The grammar ships with the package: editable installs read grammar/, wheels carry a copy."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import placement
from placement.syntax.grammar import grammar_text

ROOT = Path(__file__).parents[1]
GRAMMAR = ROOT / "grammar" / "placement.lark"


def test_grammar_text_is_the_canonical_file() -> None:
    assert grammar_text() == GRAMMAR.read_text(encoding="utf-8")


def test_grammar_text_builds_a_parser() -> None:
    import lark

    parser = lark.Lark(grammar_text(), parser="lalr", lexer="basic")
    assert parser.parse("attribute:stack == prod") is not None


# Building a wheel takes a few seconds with hatchling from the local package index (pip's build
# isolation); PLACEMENT_WHEEL_TEST=0 skips it where no index is reachable.
@pytest.mark.skipif(
    os.environ.get("PLACEMENT_WHEEL_TEST", "1") == "0", reason="PLACEMENT_WHEEL_TEST=0"
)
def test_wheel_carries_the_grammar(tmp_path: Path) -> None:
    out = tmp_path / "wheels"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"pip wheel failed (offline? set PLACEMENT_WHEEL_TEST=0):\n{result.stderr}")
    wheels = list(out.glob("placement-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        assert "placement/grammar/placement.lark" in names
        assert "placement/py.typed" in names
        assert wheel.read("placement/grammar/placement.lark").decode() == GRAMMAR.read_text(
            encoding="utf-8"
        )
        wheel.extractall(tmp_path / "site")
    # The unpacked wheel, imported ahead of the editable install, reads its own copy.
    probe = (
        "import placement, pathlib\n"
        "from importlib import resources\n"
        "from placement.syntax.grammar import grammar_text\n"
        "packaged = resources.files('placement').joinpath('grammar', 'placement.lark')\n"
        "assert packaged.is_file(), packaged\n"
        "print(pathlib.Path(placement.__file__).resolve())\n"
        "print(grammar_text() == packaged.read_text(encoding='utf-8'))\n"
        "print(placement.parse('attribute:stack==prod'))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    run = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    where, same, parsed = run.stdout.strip().split("\n")
    assert Path(where).is_relative_to((tmp_path / "site").resolve())
    assert same == "True"
    assert parsed == "attribute:stack == prod"
    assert placement.__file__ is not None
