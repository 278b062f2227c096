"""The integration hand-off: reading records for review and export. No Textual."""
