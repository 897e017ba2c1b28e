"""What every sub-command shares with the entry point: exit codes and running work Ctrl-C can cancel.

Its own module so sub-command modules never import ``cli/main.py`` (which imports them: that was a cycle).
"""

from __future__ import annotations

import threading

EXIT_OK, EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 3, 130


def run_in_thread(work, on_interrupt) -> object:
    """Run ``work`` in a worker thread so Ctrl-C in the main thread can cancel it cleanly."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, name="photoclip-index", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        on_interrupt()
        thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")
