"""The agents: one module per agent, its prompt text in a Markdown file beside it."""
