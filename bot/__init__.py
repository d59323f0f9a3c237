"""chipquote's chat-facing side: the answer engine and its front doors (CLI, console, Discord,
Slack)."""
