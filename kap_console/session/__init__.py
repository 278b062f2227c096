"""The session engine: events, clock, journal, state, schedule, alerts, record. No Textual."""
