"""A target that damages its own interpreter structures (with ctypes), waits
to be dumped, then repairs them: corrupt memory must give a diagnostic and a
partial result, never a clean one.  argv[1] is the damage:

  modules     sys.modules' ma_keys pointer -> 0x4141414141414141
  task-name   the task "victim"'s name pointer -> 0x4141414141414141
  gather      the ob_size of the _children list of the gather "gatherer"
              awaits -> 2**60
  frame       the thread "looper"'s innermost frame's previous/f_back -> itself

Sequence: build the scenario, damage, publish the truth ("ready"), block on
the file $AIOMON_REPAIR until the test writes it, repair, carry on blocked.
Only the reporter thread runs meanwhile; it touches none of the damage.
Offsets are those of 64-bit CPython 3.8 .. 3.15 (PyDictObject.ma_keys at 32,
PyVarObject.ob_size at 16, frame objects' f_back / f_frame, the interpreter
frame's previous); the task name's offset is found by its value.
"""

import asyncio
import ctypes
import os
import sys
import threading
import time

import _harness as H

BAD = 0x4141414141414141
MODE = sys.argv[1]
P = ctypes.POINTER(ctypes.c_uint64)
REPAIRS = []


def poke(addr, value):
    p = ctypes.cast(addr, P)
    REPAIRS.append((addr, p[0]))
    p[0] = value


def repair():
    for addr, old in reversed(REPAIRS):
        ctypes.cast(addr, P)[0] = old


def wait_repair(path):
    while not os.path.exists(path):
        time.sleep(0.02)
    repair()


def looper():
    H.BLOCK.acquire()  # BLOCK


def damage_frame():
    ident = [t.ident for t in threading.enumerate() if t.name == "looper"][0]
    f = sys._current_frames()[ident]
    fo = id(f)
    if sys.version_info < (3, 11):
        poke(fo + 24, fo)                       # f_back -> itself
    else:
        iframe = ctypes.cast(fo + 24, P)[0]     # f_frame
        prev = 48 if sys.version_info < (3, 12) else 8
        poke(iframe + prev, iframe)             # previous -> itself


async def sleeper():
    await asyncio.sleep(3600)


async def gatherer():
    await asyncio.gather(sleeper(), sleeper())


async def main():
    victim = asyncio.ensure_future(sleeper())
    victim.set_name("victim")
    g = asyncio.ensure_future(gatherer())
    g.set_name("gatherer")
    await H.settle()
    # Everything that may import or allocate widely is done before the damage
    # (Debian 11's 3.9 crashed publishing the truth with sys.modules broken):
    # the truth (only the pid: the frame chains will loop), the heartbeat
    # file, and the heartbeat thread, which waits on a gate and then only
    # writes "ready" and its counter.
    H._publish({"pid": os.getpid(), "scenario": "corrupt_" + MODE, "threads": []},
               ready=False)
    hb = os.open(os.environ["AIOMON_HEARTBEAT"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.pwrite(hb, b"%20d\n" % 0, 0)
    gate = threading.Event()

    def heartbeat():
        gate.wait()
        H._heartbeat(hb)

    threading.Thread(target=heartbeat, name="heartbeat", daemon=True).start()
    repair_path = os.environ["AIOMON_REPAIR"]
    if MODE == "task-name":
        name = victim.get_name()
        base = id(victim)
        words = ctypes.cast(base, P)
        off = [i * 8 for i in range(2, 40) if words[i] == id(name)]
        if len(off) != 1:
            H.die("the name pointer of the task is not found once: %r" % off)
        poke(base + off[0], BAD)
    elif MODE == "gather":
        outer = g._fut_waiter
        poke(id(outer._children) + 16, 1 << 60)
    elif MODE == "modules":
        poke(id(sys.modules) + 32, BAD)
    elif MODE == "frame":
        damage_frame()
    else:
        H.die("unknown damage %r" % MODE)
    gate.set()
    wait_repair(repair_path)
    H.block()


if __name__ == "__main__":
    H.setup()
    H.spawn("looper", looper)
    while not [t for t in sys._current_frames().values() if H._at_block_line(t)]:
        time.sleep(0.01)            # the looper is parked on its BLOCK line
    asyncio.run(main())
