"""photoclip: find and tag your photos by what is in them, on your own computer."""

__version__ = "0.1.0"
