"""`python -m wall`, the command the docs, units and helpers spell: the one place the core
names the app package (an import-linter exception), and only when run as a program."""

import sys

from app.cli import main

sys.exit(main())
