"""Entry point for ``python -m analysis``."""

import gc

from analysis.cli import main

code = main()
# The command is done: the interpreter's final garbage collections need not walk its objects
# (about 0.2 s after a model fitted to a large panel).
gc.freeze()
raise SystemExit(code)
