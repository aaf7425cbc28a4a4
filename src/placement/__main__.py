"""`python -m placement`: the `placement` command."""

import sys

from .cli import main

sys.exit(main())
