"""``python -m zedxl``: same as the ``zedxl`` command."""

import sys

try:
    from zedxl.cli import run
except KeyboardInterrupt:  # Ctrl+C while zedxl is still loading: as at any other moment
    print("Interrumpido por el usuario (Ctrl+C); vuelva a ejecutar el comando para terminar.", file=sys.stderr)
    sys.exit(130)  # as cli.main

run()
