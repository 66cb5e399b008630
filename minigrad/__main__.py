"""`python -m minigrad` runs the minigrad command (see minigrad/cli.py)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
