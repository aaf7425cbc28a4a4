"""Find the grammar file: inside the installed package (wheels), else the source tree's grammar/.

The canonical file is the repository's top-level `grammar/placement.lark`. A wheel carries a copy
at `placement/grammar/placement.lark`; an editable install has no copy, so the loader falls back
to the checkout (this file lives at `src/placement/syntax/grammar.py`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import PlacementError

__all__ = ["grammar_text"]

_NAME = "placement.lark"


def grammar_text() -> str:
    """The text of the grammar, wherever this installation keeps it."""
    packaged = resources.files("placement").joinpath("grammar", _NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[3] / "grammar" / _NAME
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise PlacementError(  # an installation problem, not bad input; still our own error type
        f"grammar file {_NAME} is missing: looked in the package and in {checkout.parent}"
    )
