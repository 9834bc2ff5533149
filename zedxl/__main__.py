"""``python -m zedxl``: same as the ``zedxl`` command."""

import sys

from zedxl.cli import main

sys.exit(main())
