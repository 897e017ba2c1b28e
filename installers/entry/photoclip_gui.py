"""Bundle entry point: `photoclip-gui` (the app, without a console window on Windows)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First: a decode process (spawn) re-runs this executable; freeze_support() makes it the worker and exits
    # before the app's imports.
    multiprocessing.freeze_support()
    from photoclip.gui.app import main

    sys.exit(main())
