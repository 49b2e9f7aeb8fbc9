"""``python -m seqrnn``: the ``seqrnn`` command."""

from .cli import main

raise SystemExit(main())
