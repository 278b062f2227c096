"""The Textual app. Nothing clinical is decided here: screens render the session's state
and hand every action to the engine as an event."""
