"""The record room: the TOML session record built from the journal at close.

`model` (the record's models, rendering and reading), `build` (journal → record, pure) and
`verify` (a record against its journal). Uses state and rules; used by the engine and by
integration.
"""
