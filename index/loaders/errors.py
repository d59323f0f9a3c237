"""The one exception loaders raise for a bad file.

Reindexing reports per-document failures and carries on, so callers need a single, predictable
exception type whose message is a short reason a person can act on ("file is empty"), not a
traceback from whichever parsing library tripped.
"""

from __future__ import annotations


class LoaderError(Exception):
    """A file could not be turned into documents; ``str(err)`` is a short human reason."""
