"""Python thread names that differ from the kernel's comm.

  MainThread                 comm "python3.X"
  ThreadPoolExecutor-0_0/_1  two executor workers, each parked in a job
  a-very-long-python-thread-name-beyond-15-chars   (comm is cut at 15 bytes)
  plain                      a threading.Thread whose comm was never set
  heartbeat                  the reporter

The truth's "py_name" is threading's name, "name" the comm (_harness.py).
"""

import concurrent.futures
import threading

import _harness as H


def parked():
    H.BLOCK.acquire()  # BLOCK


if __name__ == "__main__":
    H.setup()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    pool.submit(parked)
    pool.submit(parked)
    H.spawn("a-very-long-python-thread-name-beyond-15-chars", parked)
    threading.Thread(target=parked, name="plain", daemon=True).start()
    H.start_reporter("thread_names", expect=5)
    parked()
