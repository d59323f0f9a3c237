"""The console front door: text rendering of answers and an interactive chat loop."""
