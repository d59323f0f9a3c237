"""One cog per concern (asking, admin, feedback buttons), loaded by ``ChipquoteBot.setup_hook``;
a cog that fails to load is logged and the others still run."""
