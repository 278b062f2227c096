import sys

from kap_console.cli import main

sys.exit(main())
