"""Run by t9001 under aiomon-attach --run --track: prints, as one JSON line,
what this process sees of the tracker its sitecustomize loaded (and of the
sitecustomize it chained to), and what a Python child process sees."""

import asyncio
import builtins
import json
import os
import subprocess
import sys

CHILD = ("import asyncio, sys; asyncio.run(asyncio.sleep(0)); "
         "m = sys.modules.get('_aiomon_tracker'); print(bool(m and m.STATE['enabled']))")


async def main():
    async def db():
        return 1

    t = asyncio.create_task(db(), name="db-1")
    await t
    m = sys.modules.get("_aiomon_tracker")
    st = m.STATE if m is not None else {}
    child = subprocess.run([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                           universal_newlines=True)
    print(json.dumps({
        "present": m is not None,
        "enabled": bool(st.get("enabled")),
        "error": st.get("error"),
        "keep": st.get("keep"),
        "patterns": list(getattr(m, "_patterns", ()) or ()),
        "critical": [e[1] for e in st.get("critical", ())],
        "tracked": hasattr(type(t), "_aiomon"),
        "site": getattr(sys.modules.get("sitecustomize"), "__file__", None),
        "marker": getattr(builtins, "_t9001_marker", None),
        "pythonpath": os.environ.get("PYTHONPATH"),
        "track_dir": os.environ.get("AIOMON_TRACK_DIR"),
        "child": child.stdout.strip(),
    }))


asyncio.run(main())
