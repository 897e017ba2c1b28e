"""Background workers: indexing, queries, thumbnails. Results come back to the GUI thread by queued signals."""
