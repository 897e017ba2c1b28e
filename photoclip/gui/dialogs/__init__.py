"""Dialogs: viewer, skipped files, settings, crash report."""
