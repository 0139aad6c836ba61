"""``python -m server.cli``: the ``orderly`` command."""

import sys

from server.cli import main

sys.exit(main())
