"""chunkcli: documents → traceable chunks → SQLite + HNSW, from the shell or from Python.

Public API (library first: every subcommand is a few lines over these):
"""

from __future__ import annotations

__version__ = "0.1.0"

from .records import Chunk, Document, read_records, write_records  # noqa: E402

__all__ = ["Chunk", "Document", "__version__", "read_records", "write_records"]
