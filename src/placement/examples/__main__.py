"""`python -m placement.examples`: print the folder of the bundled example files."""

from __future__ import annotations

from . import CONTAINER_INSTANCES

if __name__ == "__main__":
    print(CONTAINER_INSTANCES.parent)
