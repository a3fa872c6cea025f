"""``python -m cogym`` is the ``cogym`` command."""

import sys

from cogym.cli import main

sys.exit(main())
