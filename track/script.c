/*
 * script.c - the Python text aiomon-attach puts into a process: the script
 * that --track and --untrack send (PEP 768) and the sitecustomize of
 * --run --track.  Every value from outside (the tracker's source, the
 * --critical patterns from argv) goes in as a bytes literal in which every
 * byte that is not plain printable ASCII is a \x escape, so no input can end
 * the literal or change the code around it.
 */
#include "script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* The longest text we write: the tracker's source, four times over when escaped, and change. */
#define SCRIPT_MAX_BYTES (1u << 22)

/* b'...': printable ASCII as is, except the quote and the backslash; everything else \xNN. */
static void
script_bytes_literal(FILE *f, const char *s, size_t n)
{
    size_t i;

    fputs("b'", f);
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\')
            fputc(ch, f);
        else if (ch == '\n')
            fputs("\\n", f);
        else
            fprintf(f, "\\x%02x", ch);
        /* one line of the literal per source line keeps the script readable */
        if (ch == '\n' && i + 1 < n)
            fputs("'\n    b'", f);
    }
    fputc('\'', f);
}

/* keep=N, critical=[...]: the arguments of install() and install_at_start(). */
static void
script_install_args(FILE *f, const struct track_args *a)
{
    size_t i;

    fprintf(f, "keep=%ld, critical=[", a->keep > 0 ? a->keep : (long)TRACK_DEFAULT_KEEP);
    for (i = 0; i < a->ncritical; i++) {
        /* argv's bytes, decoded as Python decodes its own argv */
        script_bytes_literal(f, a->critical[i], strlen(a->critical[i]));
        fputs(".decode('utf-8', 'surrogateescape'), ", f);
    }
    fputc(']', f);
}

/* A memory stream, or death (as xmalloc: out of memory is not a case to handle). */
static FILE *
script_open(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);

    if (!f) {
        fputs("aiomon-attach: out of memory\n", stderr);
        abort();
    }
    return f;
}

static char *
script_close(FILE *f, char **buf, size_t *len)
{
    if (fclose(f) != 0 || !*buf || *len > SCRIPT_MAX_BYTES) {
        fputs("aiomon-attach: out of memory\n", stderr);
        abort();
    }
    return *buf;
}

char *
track_script_install(const struct track_args *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = script_open(&buf, &len);

    fputs("# aiomon-attach --track: its tracker, loaded into this process through\n"
          "# PEP 768 (what sys.remote_exec does).  Removed by aiomon-attach --untrack.\n"
          "def _aiomon_track():\n"
          "    import sys\n"
          "    try:\n"
          "        m = sys.modules.get('" TRACK_MODULE "')\n"
          "        if m is None:\n"
          "            import types\n"
          "            m = types.ModuleType('" TRACK_MODULE "')\n"
          "            src = (\n    ", f);
    script_bytes_literal(f, track_tracker_py, track_tracker_py_len);
    fputs(")\n"
          "            exec(compile(src.decode('utf-8'), '<aiomon-attach tracker>', 'exec'),\n"
          "                 m.__dict__)\n"
          "            sys.modules['" TRACK_MODULE "'] = m\n"
          "        m.install(", f);
    script_install_args(f, a);
    fputs(")\n"
          "    except Exception:\n"
          "        pass    # never break the application: the tool sees the tracker missing\n"
          "_aiomon_track()\n"
          "del _aiomon_track\n", f);
    return script_close(f, &buf, &len);
}

char *
track_script_untrack(void)
{
    return xstrdup("# aiomon-attach --untrack: puts back what its tracker replaced\n"
                   "def _aiomon_untrack():\n"
                   "    import sys\n"
                   "    try:\n"
                   "        m = sys.modules.get('" TRACK_MODULE "')\n"
                   "        if m is not None:\n"
                   "            m.untrack()\n"
                   "    except Exception:\n"
                   "        pass\n"
                   "_aiomon_untrack()\n"
                   "del _aiomon_untrack\n");
}

char *
track_sitecustomize(const struct track_args *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = script_open(&buf, &len);

    fputs("# sitecustomize of aiomon-attach --run --track (written for this run, removed\n"
          "# after it).  It installs aiomon-attach's tracker when asyncio is imported,\n"
          "# then runs the sitecustomize this directory hides on sys.path (Debian's\n"
          "# /usr/lib/python3.X/sitecustomize.py, a project's own), as module\n"
          "# sitecustomize, as Python would have without it.\n"
          "def _aiomon_track():\n"
          "    try:\n"
          "        import " TRACK_MODULE "\n"
          "        " TRACK_MODULE ".install_at_start(", f);
    script_install_args(f, a);
    fputs(")\n"
          "    except Exception:\n"
          "        pass    # never break the application\n"
          "\n"
          "\n"
          "def _aiomon_chain():\n"
          "    import importlib.machinery\n"
          "    import importlib.util\n"
          "    import os\n"
          "    import sys\n"
          "    here = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))\n"
          "    path = []\n"
          "    for p in sys.path:\n"
          "        try:\n"
          "            if os.path.realpath(os.path.abspath(p or os.curdir)) == here:\n"
          "                continue\n"
          "        except Exception:\n"
          "            pass\n"
          "        path.append(p)\n"
          "    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', path)\n"
          "    if spec is None or spec.loader is None:\n"
          "        return\n"
          "    mod = importlib.util.module_from_spec(spec)\n"
          "    sys.modules['sitecustomize'] = mod\n"
          "    spec.loader.exec_module(mod)\n"
          "\n"
          "\n"
          "_aiomon_track()\n"
          "_aiomon_chain()\n", f);
    return script_close(f, &buf, &len);
}
