"""The state room: what a session holds, as data, and the pure fold that builds it.

`entries` (the entries and their corrections), `snapshot` (the read-only `SessionState`),
`builder` (applies one event at a time), `fold`, `timeline` and `ordering` (the timeline's
order and per-measure readings), `corrections` (whether an amendment or void applies) and
`content` (what an entry must satisfy on its own). State never imports the rules.
"""
