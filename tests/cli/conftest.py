"""The CLI tests run the real model-loading path on the tiny real-format CLIP built by the model fixtures."""

from tests.model.conftest import clip_vocab_files, tiny_model_dir  # noqa: F401  (re-exported fixtures)
