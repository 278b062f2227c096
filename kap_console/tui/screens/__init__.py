"""Screens of the console: before a session (start.py) and one per stage, forms, help."""
