"""A Python process that only waits: the main thread parked on a BLOCK line.

For tests that need a live Python target but no particular stacks (error
handling, refusals).  Truth: the usual thread truth (see _harness.py).
"""

import _harness as H


def idle():
    H.BLOCK.acquire()  # BLOCK


if __name__ == "__main__":
    H.setup()
    H.start_reporter("idle", expect=1)
    idle()
