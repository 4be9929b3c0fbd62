"""Threads without a Python thread state next to Python threads: two C threads
started with pthread_create through ctypes, running libc's sleep() and pause()
directly (no Python code, never registered with the interpreter), plus the
main thread parked on its BLOCK line.  Truth: the C threads' tids in
"native_tids".
"""

import ctypes
import ctypes.util
import os
import time

import _harness as H


def start_c_thread(libc, fn, arg):
    before = set(os.listdir("/proc/self/task"))
    th = ctypes.c_ulong()
    rc = libc.pthread_create(ctypes.byref(th), None, ctypes.cast(fn, ctypes.c_void_p),
                             ctypes.c_void_p(arg))
    if rc != 0:
        H.die("pthread_create: %d" % rc)
    for _ in range(1000):
        new = set(os.listdir("/proc/self/task")) - before
        if new:
            return int(new.pop())
        time.sleep(0.001)
    H.die("the C thread did not show up")


def main():
    H.setup()
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if not hasattr(libc, "pthread_create"):
        # glibc before 2.34 (Debian 11) keeps it in libpthread
        pthread = ctypes.CDLL(ctypes.util.find_library("pthread") or "libpthread.so.0")
        libc.pthread_create = pthread.pthread_create
    libc.pthread_create.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_void_p]
    tids = [start_c_thread(libc, libc.sleep, 1000000), start_c_thread(libc, libc.pause, 0)]
    time.sleep(0.05)        # let them reach their syscalls
    H.EXTRA_TRUTH["native_tids"] = tids
    H.start_reporter("native_thread", expect=1)
    H.BLOCK.acquire()  # BLOCK


if __name__ == "__main__":
    main()
