"""`python -m reception`, and the script the PyInstaller build starts (packaging/reception.spec)."""
import sys

from reception.launcher import main

sys.exit(main())
