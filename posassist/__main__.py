"""``python -m posassist``."""

from posassist.cli import main

raise SystemExit(main())
