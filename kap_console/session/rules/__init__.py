"""The rules room: what the protocol says about a session's state.

`schedule` (which round is due, late or missed), `alerts` (thresholds, dosing holds),
`dosing`, `discharge` (criteria) and `validation` (whether an event may be journaled given
everything the session holds). Rules read state; state knows no rules.
"""
