"""``python -m zkvm`` runs the command line (same as the ``zkvm`` script)."""

import sys

from zkvm.cli import main

sys.exit(main())
