"""Practice on a scenario: the console with a simulated client (monitor, incidents, debrief)."""
