"""``python -m digitizer ...``: the ``digitizer`` command without an installed entry point (a
checkout on a machine where the package is not installed, e.g. a lent GPU machine)."""

import sys

from .cli.main import main

sys.exit(main())
