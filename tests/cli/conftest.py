"""The CLI tests run the real model-loading path on the tiny real-format models built by the model fixtures."""

from tests.model.conftest import altclip_dir, clip_vocab_files, siglip2_dir, tiny_model_dir  # noqa: F401
