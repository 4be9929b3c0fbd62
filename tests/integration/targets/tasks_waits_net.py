"""Socket waits (waiting_on kind socket): StreamReader.read on connections
whose peer never writes, over loopback TCP and over a Unix socket, on both
ends (the client's task and the server's handler task).

Truth (EXTRA_TRUTH["waits"]) from the sockets themselves: fileno(),
getsockname(), getpeername() ("IP:PORT"; a Unix socket's path, "" when
unnamed; the peer of a Unix socket is not in /proc: not given).
"""

import asyncio
import os
import tempfile

import _harness as H

KEEP = []
SOCKS = {}                      # task name -> its socket


async def serve(name, reader, writer):
    asyncio.current_task().set_name(name)
    KEEP.append(asyncio.current_task())
    SOCKS[name] = writer.get_extra_info("socket")
    KEEP.append(writer)
    await reader.read(100)


async def client(name, reader, writer):
    SOCKS[name] = writer.get_extra_info("socket")
    KEEP.append(writer)
    await reader.read(100)


def named(coro, name):
    t = asyncio.ensure_future(coro)
    t.set_name(name)
    KEEP.append(t)
    return t


def addr(a):
    if isinstance(a, tuple):
        return ("[%s]:%d" if ":" in a[0] else "%s:%d") % (a[0], a[1])
    return a.decode() if isinstance(a, bytes) else a


async def main():
    tcp = await asyncio.start_server(lambda r, w: serve("tcp-server", r, w), "127.0.0.1", 0)
    port = tcp.sockets[0].getsockname()[1]
    r, w = await asyncio.open_connection("127.0.0.1", port)
    named(client("tcp-client", r, w), "tcp-client")
    path = os.path.join(tempfile.mkdtemp(prefix="aiomon-net-"), "s")
    uds = await asyncio.start_unix_server(lambda r, w: serve("unix-server", r, w), path)
    r2, w2 = await asyncio.open_unix_connection(path)
    named(client("unix-client", r2, w2), "unix-client")
    KEEP.extend([tcp, uds])
    while len(SOCKS) < 4:
        await asyncio.sleep(0.01)
    await H.settle()
    waits = {}
    for t in KEEP:
        if not isinstance(t, asyncio.Task) or t.get_name() not in SOCKS:
            continue
        s = SOCKS[t.get_name()]
        w = {"kind": "socket", "fd": s.fileno(), "local": addr(s.getsockname()),
             "direction": "read"}
        if t.get_name().startswith("tcp"):
            w["peer"] = addr(s.getpeername())
        waits[hex(id(t))] = w
    H.EXTRA_TRUTH["waits"] = waits
    H.EXTRA_TRUTH["tcp_port"] = port
    H.block()


if __name__ == "__main__":
    H.run_loop_main("waits_net", main)
