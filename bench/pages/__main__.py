"""``python -m bench.pages``."""
import sys

from bench.pages.command import main

sys.exit(main())
