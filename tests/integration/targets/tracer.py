"""Hold a ptrace attachment on a process without stopping it (PTRACE_SEIZE).

usage: tracer.py PID     prints "seized" once attached, then waits for ever.
The tracee is released when this process dies (the kernel detaches it).
"""

import ctypes
import os
import sys
import time

PTRACE_SEIZE = 0x4206

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
if libc.ptrace(PTRACE_SEIZE, int(sys.argv[1]), None, None) != 0:
    e = ctypes.get_errno()
    sys.stderr.write("tracer: PTRACE_SEIZE %s: %s\n" % (sys.argv[1], os.strerror(e)))
    sys.exit(1)
print("seized", flush=True)
while True:
    time.sleep(3600)
