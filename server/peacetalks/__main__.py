"""`python -m peacetalks`: the same command line as the `peacetalks` script."""

from __future__ import annotations

import sys

from peacetalks.cli import main

if __name__ == "__main__":
    sys.exit(main())
