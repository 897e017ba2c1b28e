"""core/errors.user_error_for: the one place an exception becomes a user message (CLI and GUI). Each case is the
exception the real library raises (OSError from the kernel's errno, sqlite3's own messages)."""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from photoclip.core.errors import (
    CatalogError,
    DiskFullError,
    QueryError,
    ReadOnlyCatalogError,
    StorageError,
    StoragePermissionError,
    user_error_for,
)


def os_error(code: int, filename: str = "/data/photoclip/catalog.sqlite3") -> OSError:
    return OSError(code, os.strerror(code), filename)  # OSError(...) builds the subclass (PermissionError, ...)


@pytest.mark.parametrize(("exc", "kind", "words"), [
    (os_error(errno.ENOSPC), DiskFullError, "disk is full"),
    (os_error(errno.EDQUOT), DiskFullError, "disk is full"),
    (sqlite3.OperationalError("database or disk is full"), DiskFullError, "is full"),
    (os_error(errno.EROFS), ReadOnlyCatalogError, "read-only"),
    (sqlite3.OperationalError("attempt to write a readonly database"), ReadOnlyCatalogError, "read-only"),
    (os_error(errno.EACCES), StoragePermissionError, "permission denied"),
    (os_error(errno.EPERM), StoragePermissionError, "permission denied"),
    (os_error(errno.EIO), StorageError, "input/output error"),
    (sqlite3.OperationalError("unable to open database file"), StorageError, "cannot be opened"),
    (sqlite3.DatabaseError("database disk image is malformed"), CatalogError, "damaged"),
])
def test_environment_problems_are_user_errors_with_a_hint(exc, kind, words):
    known = user_error_for(exc, "/data/photoclip")
    assert type(known) is kind and words in known.user_message and known.hint
    assert "\n" not in f"{known.user_message} {known.hint}"


def test_a_read_only_catalog_is_not_told_to_start_over():
    known = user_error_for(sqlite3.OperationalError("attempt to write a readonly database"))
    assert "move it aside" not in str(known) and "PHOTOCLIP_DATA_DIR" in known.hint


def test_typed_errors_pass_through_and_a_wrapped_cause_counts():
    typed = QueryError("Empty query.", "Type something.")
    assert user_error_for(typed) is typed
    try:
        try:
            raise os_error(errno.ENOSPC)
        except OSError as exc:
            raise RuntimeError("could not save") from exc
    except RuntimeError as wrapped:
        assert isinstance(user_error_for(wrapped), DiskFullError)


@pytest.mark.parametrize("exc", [
    RuntimeError("boom"), KeyError("x"), TypeError("'<' not supported"),
    os_error(errno.EBADF), sqlite3.OperationalError("no such table: photos"), sqlite3.IntegrityError("UNIQUE"),
])
def test_bugs_stay_bugs(exc):
    assert user_error_for(exc) is None


def test_a_bug_raised_while_handling_a_full_disk_is_still_a_bug():
    try:
        try:
            raise os_error(errno.ENOSPC)
        except OSError:
            raise ValueError("a bug in the handler")  # noqa: B904  (implicit context, not an explicit cause)
    except ValueError as exc:
        assert user_error_for(exc) is None
