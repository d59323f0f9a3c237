"""The answer engine: one API (`answer`, `reindex`, `sources`, `add_source`) that every front door
calls. Nothing platform-specific lives here."""
