"""Bundle entry point: `photoclip` (sub-commands; with no arguments it opens the app)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First: a decode process (spawn) re-runs this executable; freeze_support() makes it the worker and exits
    # before the app's imports.
    multiprocessing.freeze_support()
    from photoclip.cli.main import main

    sys.exit(main())
