"""Practice mode for trainees: simulated clock, scripted scenarios, debrief. No Textual."""
