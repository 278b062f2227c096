"""The journal room: the durable, append-only, hash-chained log of a session's events.

`writer` appends (one `os.write` + fsync per line) and recovers torn tails; `read` reads and
checks the chain; `format` is the line format; `files` names and finds segments; `errors` are
what writing and reading raise. Knows nothing of state, rules or records.
"""
