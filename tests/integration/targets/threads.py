"""Threads parked at distinct, known stacks.

usage: threads.py [N] [--spin K]
    N worker threads (default 5), plus the main thread and the reporter
    ("heartbeat", which moves); --spin K adds K threads that spin in pure
    Python for ever (they hold the GIL most of the time; volatile in the truth)

Worker i runs KINDS[i]: recursion of a given depth, a method (qualname
Worker.method), a lambda, a nested function (outer.<locals>.inner), a
generator body, a coroutine driven by send(), a classmethod; workers beyond
the list recurse deeper and deeper.  Every worker and the main thread end on a
line marked "# BLOCK", blocked for ever on a lock, so their stacks do not move
while a test attaches.  Truth: see _harness.py (sys._current_frames()).
"""

import sys

import _harness as H


def recurse(n):
    if n <= 1:
        H.BLOCK.acquire()  # BLOCK
    else:
        recurse(n - 1)


class Worker:
    def method(self):
        H.BLOCK.acquire()  # BLOCK

    @classmethod
    def klass(cls):
        H.BLOCK.acquire()  # BLOCK


parked_lambda = lambda: H.BLOCK.acquire()  # BLOCK  # noqa: E731


def outer():
    def inner():
        H.BLOCK.acquire()  # BLOCK
    inner()


def gen_body():
    yield 1
    H.BLOCK.acquire()  # BLOCK
    yield 2


def drive_generator():
    g = gen_body()
    next(g)
    next(g)


async def coro_body():
    H.BLOCK.acquire()  # BLOCK


def drive_coroutine():
    c = coro_body()
    c.send(None)


KINDS = [
    ("rec-1", recurse, (1,)),
    ("method", Worker().method, ()),
    ("lambda", parked_lambda, ()),
    ("nested", outer, ()),
    ("rec-12", recurse, (12,)),
    ("generator", drive_generator, ()),
    ("coroutine", drive_coroutine, ()),
    ("classmethod", Worker.klass, ()),
]


def kind(i):
    if i < len(KINDS):
        return KINDS[i]
    depth = 20 * (i - len(KINDS) + 2)
    return ("rec-%d" % depth, recurse, (depth,))


def spin():
    n = 0
    while True:
        n += 1


def main_parked():
    H.BLOCK.acquire()  # BLOCK


def main():
    H.setup()
    argv = sys.argv[1:]
    spinners = 0
    if "--spin" in argv:
        i = argv.index("--spin")
        spinners = int(argv[i + 1])
        del argv[i:i + 2]
    n = int(argv[0]) if argv else 5
    for i in range(n):
        name, fn, args = kind(i)
        H.spawn(name, fn, *args)
    for i in range(spinners):
        H.spawn_volatile("spin-%d" % i, "spin", spin)
    H.start_reporter("threads", expect=n + 1)
    main_parked()


if __name__ == "__main__":
    main()
