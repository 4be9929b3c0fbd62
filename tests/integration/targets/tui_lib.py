"""The screen helpers of tui_driver.py: a private tmux server (Tui), waits
for conditions on the screen, and parsers of the live view's panes.

Run with the host's python3 (not the interpreter under test).
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import time

WAIT = 30.0            # seconds for any screen condition
SESSION = "aiomon"
UTF8_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
ASCII_ENV = {"LANG": "C", "LC_ALL": "C"}


class Fail(Exception):
    pass


def ok(msg):
    print("ok: %s" % msg, flush=True)


class Tui:
    """One aiomon-attach live view in a private tmux server."""

    def __init__(self, tmp, name="tui"):
        self.tmp = tmp
        self.sock = os.path.join(tmp, name + ".tmux")
        self.exit_file = os.path.join(tmp, name + ".exit")
        self.started = False

    def tmux(self, *args, check=True):
        r = subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and r.returncode != 0:
            raise Fail("tmux %s failed: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
        return r.stdout.decode("utf-8", errors="replace")

    def start(self, argv, width=120, height=40, env=None, cwd=None):
        env = dict(env or UTF8_ENV)
        unset = [k for k in ("NO_COLOR",) if k not in env]
        words = ["env"] + ["-u%s" % k for k in unset] + \
                ["%s=%s" % (k, v) for k, v in sorted(env.items())] + list(argv)
        if os.path.exists(self.exit_file):
            os.unlink(self.exit_file)
        cmd = "%s; echo $? > %s; exec sleep 3600" % (" ".join(shlex.quote(w) for w in words),
                                                  shlex.quote(self.exit_file))
        args = ["new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(height)]
        if cwd:
            args += ["-c", cwd]
        self.tmux(*(args + [cmd]))
        self.started = True

    def stop(self):
        if self.started:
            self.tmux("kill-server", check=False)
            self.started = False

    def keys(self, *keys):
        """tmux key names (Enter, Left, F10, C-l) or single characters."""
        for k in keys:
            self.tmux("send-keys", "-t", SESSION, k)

    def text(self, s):
        self.tmux("send-keys", "-t", SESSION, "-l", s)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", SESSION]
        if escapes:
            args.insert(2, "-e")
        return self.tmux(*args)

    def lines(self):
        return self.screen().split("\n")

    def resize(self, width, height):
        self.tmux("resize-window", "-t", SESSION, "-x", str(width), "-y", str(height))

    def wait(self, what, cond, timeout=WAIT):
        """Wait until cond(screen text) is true; returns the screen."""
        end = time.monotonic() + timeout
        while True:
            scr = self.screen()
            if cond(scr):
                return scr
            if time.monotonic() > end:
                dump(scr)
                raise Fail("timed out after %gs waiting for: %s" % (timeout, what))
            time.sleep(0.05)        # polling the screen for a condition

    def wait_re(self, pattern, timeout=WAIT, flags=re.M):
        rx = re.compile(pattern, flags)
        return self.wait("/%s/" % pattern, lambda s: rx.search(s) is not None, timeout)

    def wait_gone(self, pattern, timeout=WAIT):
        rx = re.compile(pattern, re.M)
        return self.wait("no /%s/" % pattern, lambda s: rx.search(s) is None, timeout)

    def exit_status(self, timeout=WAIT):
        end = time.monotonic() + timeout
        while True:
            try:
                with open(self.exit_file) as fh:
                    v = fh.read().strip()
                if v:
                    return int(v)
            except FileNotFoundError:
                pass
            if time.monotonic() > end:
                dump(self.screen())
                raise Fail("aiomon-attach did not exit within %gs" % timeout)
            time.sleep(0.05)        # polling for the exit file


def dump(scr):
    print("--- screen:")
    for i, line in enumerate(scr.split("\n")):
        print("%3d|%s" % (i, line))
    print("---", flush=True)


# ------------------------------------------------------------ screen parsing

def detail_lines(scr):
    """The detail pane's lines (below its title bar, above the footer)."""
    lines = scr.split("\n")
    for i, line in enumerate(lines):
        if line.lstrip().startswith("Task detail"):
            return lines[i + 1:]
    raise Fail("no detail pane on the screen")


def detail_name(scr):
    """The first line of the detail pane: the selected task's name and state."""
    return detail_lines(scr)[0]


# Where the task column starts: read from the column titles by tree_rows() (the
# activity columns RUN% and IDLE are only there on wide terminals).
TASK_X = [16]


def tree_rows(scr):
    """The task rows: the lines between the column titles and the detail title."""
    lines = scr.split("\n")
    out, inside = [], False
    for line in lines:
        if line.startswith("STAT "):
            inside = True
            TASK_X[0] = line.index(" TASK ") + 1
            continue
        if inside:
            if line.lstrip().startswith("Task detail") or line.startswith("F1"):
                break
            if line.strip():
                out.append(line)
    return out


def row_of(rows, name):
    rx = re.compile(r"(^|[\s\u2500-\u257f|`+\-\u25b8\u25be]) ?%s(\s|$)" % re.escape(name))
    for i, r in enumerate(rows):
        if rx.search(r):
            return i
    return -1


def name_col(row):
    """The task column's text on (after STAT, RCS, AGE and maybe RUN% and IDLE)."""
    return row[TASK_X[0] - 1:]


def truth_task(truth, name):
    for t in truth["tasks"]:
        if t["name"] == name:
            return t
    raise Fail("no task %r in the truth" % name)


def start_view(tui, args, **kw):
    tui.start([args.aiomon, str(args.pid)], **kw)
    n = len(args.truth["tasks"])
    tui.wait_re(r"^Tasks %d: " % n)


def quit_view(tui):
    tui.keys("q")
    rc = tui.exit_status()
    if rc != 0:
        raise Fail("aiomon-attach exited %d after q, expected 0" % rc)
    ok("q quits with status 0")


# ------------------------------------------------------------ scenarios

def parse_age(text):
    """Seconds of a ui_fmt_age() text ("0s", "59s", "3m04s", "2h05m", "3d04h"), or None."""
    m = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip())
    if not m or not text.strip() or text.strip() == "-":
        return None
    d, h, mi, se = (int(g) if g else 0 for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + se


def colhdr(scr):
    for line in scr.split("\n"):
        if line.startswith("STAT "):
            return line
    raise Fail("no column titles on the screen")


def run_driver(scenario, add_args=None, extra_tuis=()):
    """The main() of a driver: --aiomon BIN --pid PID --truth TRUTH.json --tmp DIR
    (and what add_args(parser) adds); runs scenario(args, tui) in tmux, with one
    more tmux session as args.NAME for each NAME of extra_tuis.  Exit 0 passed,
    1 failed, 77 skipped."""
    import argparse
    import json
    import shutil
    ap = argparse.ArgumentParser()
    ap.add_argument("--aiomon", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--tmp", required=True)
    if add_args:
        add_args(ap)
    args = ap.parse_args()
    if not shutil.which("tmux"):
        print("SKIP: tmux is not installed")
        return 77
    with open(args.truth) as fh:
        args.truth = json.load(fh)
    tui = Tui(args.tmp)
    for name in extra_tuis:
        setattr(args, name, Tui(args.tmp, name))
    try:
        scenario(args, tui)
    except Fail as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    finally:
        tui.stop()
        for name in extra_tuis:
            getattr(args, name).stop()
    return 0
