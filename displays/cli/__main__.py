"""`python -m displays.cli …` runs the `abfahrt` command."""

import sys

from displays.cli.main import main

sys.exit(main())
