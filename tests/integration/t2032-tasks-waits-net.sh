#!/bin/bash
# Socket waits (targets/tasks_waits_net.py): StreamReader.read on a loopback TCP connection
# and on a Unix socket whose peers never write, client and server side: fd, local and peer
# address ("IP:PORT"; the Unix path or "") and direction equal the truth (compare_waits.py);
# the text dump shows "→ socket 127.0.0.1:PORT read".
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target tasks_waits_net.py
dump_json "$TARGET_PID" "$TMPD/out.json"
compare_ tasks "$TRUTH" "$TMPD/out.json"
"$HOST_PY" "$IT_DIR/compare_waits.py" "$TRUTH" "$TMPD/out.json" ||
    fail_ "waiting_on differs from the truth"
ok_ "waiting_on equals the truth"
run_aiomon "$TMPD/out.txt" "$TMPD/out.txt.err" --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.txt.err"; fail_ "text dump exited $AIO_RC"; }
port=$("$HOST_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tcp_port"])' "$TRUTH")
grep -q "tcp-client  pending .* → socket 127\.0\.0\.1:$port read\$" "$TMPD/out.txt" ||
    { show_file_ "$TMPD/out.txt" 4000; fail_ "the TCP client's line has no peer address"; }
ok_ "text dump: the TCP client waits on 127.0.0.1:$port"
assert_running "$TARGET_PID"
