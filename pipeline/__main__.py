import gc
import sys

from pipeline.cli import main

if __name__ == "__main__":
    status = main()
    # The interpreter's last collection walks every object the command created or imported: about a second with
    # pandas and pandera loaded, paid after the work is done (and after a Ctrl-C). Frozen objects are skipped.
    gc.freeze()
    sys.exit(status)
