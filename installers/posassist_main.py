"""The frozen bundle's entry point: the same ``main`` as the ``posassist`` script.

PyInstaller needs a file to start from; the installed package's console scripts are
generated wrappers, so this is their one-line equivalent, kept in ``installers/``.
"""

import sys

from posassist.cli import main

if __name__ == "__main__":
    sys.exit(main())
