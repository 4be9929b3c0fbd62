"""Shared by the watchdog targets (tests/integration/t5*.sh), on top of _harness.

These targets run under `aiomon-attach --run`, so their event loop is not
parked inside a running task (as in the t2xxx scenarios) but really stuck:
the loop thread sleeps in its selector for ever.

publish_when_idle(scenario) starts a thread that waits until that is so
(every task of the loop parked, nothing ready, the loop thread inside
selectors' select()), writes the truth of the tasks to $AIOMON_TRUTH (and
"ready" to $AIOMON_READY_FD, when set) and ends, so the process is left with
the loop thread alone.

publish_now(scenario) writes the same truth from inside the running task
that calls it; call it on the same line as the statement the snapshot must
see (`W.publish_now("x"); os.abort()`), so that the caller's line in the truth
is the line of that statement.
"""

import os
import sys
import threading
import time

import _harness as H


def _truth(scenario):
    return {
        "pid": os.getpid(),
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "scenario": scenario,
        "tasks": H.task_truth(),
    }


def publish_now(scenario):
    H._publish(_truth(scenario))


def _parked(tasks):
    """Every task done, or waiting on a future that is not done."""
    return all(t.done() or (t._fut_waiter is not None and not t._fut_waiter.done())
               for t in tasks)


def _loop_state(main_ident):
    """(loop, fingerprint) when the main thread's loop is idle and all its tasks are parked."""
    f = sys._current_frames().get(main_ident)
    if f is None or f.f_code.co_name != "select" or "selectors" not in f.f_code.co_filename:
        return None
    tasks = [t for t in H.task_registry() if not t.done()]
    if not tasks:
        return None
    loops = {id(t.get_loop()): t.get_loop() for t in tasks}
    if len(loops) != 1:
        return None
    loop = list(loops.values())[0]
    if loop._ready or not _parked(tasks):
        return None
    return loop, sorted((id(t), id(t._fut_waiter)) for t in tasks)


def _reporter(scenario, main_ident, timeout):
    try:
        end = time.monotonic() + timeout
        last = None
        while True:
            # The loop thread holds no GIL while it sleeps in epoll: what we
            # read here cannot change under us.  Two equal looks 50 ms apart.
            state = _loop_state(main_ident)
            if state is not None and last is not None and state[1] == last[1]:
                break
            last = state
            if time.monotonic() > end:
                H.die("the event loop did not become idle in %ds" % timeout)
            time.sleep(0.05)
        H._publish(_truth(scenario))
    except BaseException:
        import traceback
        traceback.print_exc()
        H.die("reporter failed")


def publish_when_idle(scenario, timeout=60):
    main_ident = threading.get_ident()
    t = threading.Thread(target=_reporter, name="reporter", daemon=True,
                         args=(scenario, main_ident, timeout))
    t.start()
    return t
