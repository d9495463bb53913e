import sys

from interop.cli.main import main

sys.exit(main())
