"""Entry point for ``python -m analysis``."""

import gc

# A command builds many objects that live until it ends (data, tables, parsed models): Python's
# default collects cycles every 700 new objects, each time re-examining the survivors.  Less often
# here (0.14 s of collections on the 40,000 x 14 cohort's crosslag become 0.04 s).
gc.set_threshold(10_000, 20, 20)

from analysis.cli import main  # noqa: E402  (after the setting, so that importing is collected less too)

code = main()
# The command is done: the interpreter's final garbage collections need not walk its objects
# (about 0.2 s after a model fitted to a large panel).
gc.freeze()
raise SystemExit(code)
