"""Subcommands of `kap-console`. Each module registers its parser and imports what it
needs only when it runs, so `protocol …` and `record …` never import Textual."""
