"""Every command of the README's CLI tour runs as written, in a shell, on the bundled examples.

The tour is the README's ```sh block of `placement` commands. Its first line changes into the
bundled example folder (`python -m placement.examples`); each later command runs after it in
its own `bash`, with this environment's `placement` and `python` first on PATH, as a user's
would be after `pip install`. The live line (`--cluster`) needs AWS and is the only one left out.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
LIVE = "--cluster"


def tour() -> list[str]:
    """The tour's commands, continuation lines joined, comments kept (bash drops them)."""
    text = README.read_text()
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    [block] = [b for b in blocks if "placement check" in b]
    return [line for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def _environment() -> dict[str, str]:
    here = str(Path(sys.executable).parent)  # this environment's `placement` and `python`
    return {**os.environ, "PATH": here + os.pathsep + os.environ.get("PATH", "")}


COMMANDS = tour()


def test_the_tour_starts_in_the_example_folder_and_ships_every_file_it_names() -> None:
    first = COMMANDS[0]
    assert first.startswith('cd "$(python -m placement.examples)"')
    folder = subprocess.run([sys.executable, "-m", "placement.examples"], capture_output=True,
                            text=True, check=True).stdout.strip()  # fmt: skip
    named = {w for line in COMMANDS[1:] for w in re.findall(r"[\w.-]+\.json", line)}
    assert named and all((Path(folder) / name).is_file() for name in named), named


@pytest.mark.parametrize("command", [c for c in COMMANDS[1:] if LIVE not in c])
def test_each_tour_command_runs_as_written(command: str) -> None:
    assert command.startswith("placement ")
    done = subprocess.run(["bash", "-c", f"{COMMANDS[0]}\n{command}"], capture_output=True,
                          text=True, env=_environment(), timeout=300)  # fmt: skip
    assert done.returncode == 0, (command, done.stderr)
    assert done.stdout.strip(), command
    assert not [line for line in done.stderr.splitlines() if line.startswith("placement: ")]


def test_only_the_live_command_is_left_out() -> None:
    live = [c for c in COMMANDS if LIVE in c]
    assert len(live) == 1 and "# live" in live[0]
