"""Protocols: the pydantic model of the format, the loader with located errors, identity."""
