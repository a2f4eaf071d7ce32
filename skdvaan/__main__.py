"""``python -m skdvaan`` runs the ``skdvaan`` command."""

import sys

from ._cli import main

sys.exit(main())
