/*
 * linetable.c - line numbers from CPython line tables (see linetable.h).
 *
 * Written from the format descriptions (3.8/3.9 and 3.10 lnotab_notes.txt,
 * 3.11+ Objects/locations.md) and checked against every code unit of the
 * generated vectors (tools/gen-linetable-vectors.py), whose truth is each
 * interpreter's own PyCode_Addr2Line().
 *
 * Lines and addresses are accumulated in int64_t and checked against the
 * int range at every step, so no table can make them overflow.
 */
#include "pyframes/linetable.h"

#include <limits.h>

/* Longest line-delta varint accepted: 6 chunks of 6 bits hold any 32-bit value. */
#define MAX_VARINT_CHUNKS 6

/* 3.11+ entry form codes (bits 3-6 of an entry's first byte). */
enum {
    LOC_ONE_LINE0 = 10,
    LOC_ONE_LINE2 = 12,
    LOC_NO_COLUMNS = 13,
    LOC_LONG = 14,
    LOC_NONE = 15,
};

/* A line as the API returns it: 0 when outside 0..INT_MAX. */
static int
linetable_clamp_line(int64_t line)
{
    if (line < 0 || line > INT_MAX)
        return 0;
    return (int)line;
}

static int
linetable_signed_byte(uint8_t b)
{
    return b < 128 ? (int)b : (int)b - 256;
}

int
linetable_lnotab_line(const uint8_t *tab, size_t len, int firstlineno, int lasti_bytes)
{
    int64_t line = firstlineno;
    int64_t addr = 0;
    size_t i;

    if (tab == NULL)
        len = 0;
    /*
     * PyCode_Addr2Line of 3.8/3.9: add each pair's line increment while the
     * cumulative address stays <= lasti.  A negative lasti stops at the first
     * pair, giving firstlineno, as CPython does.
     */
    for (i = 0; i + 1 < len; i += 2) {
        addr += tab[i];
        if (addr > lasti_bytes)
            break;
        line += linetable_signed_byte(tab[i + 1]);
        if (line < INT_MIN || line > INT_MAX)
            return 0;
    }
    return linetable_clamp_line(line);
}

int
linetable_310_line(const uint8_t *tab, size_t len, int firstlineno, int addr_bytes)
{
    int64_t line = firstlineno;
    int64_t start = 0;
    size_t i;

    if (addr_bytes < 0)
        return linetable_clamp_line(firstlineno);
    if (tab == NULL)
        return 0;
    /*
     * Each pair closes the range [start, start + sdelta).  A -128 line delta
     * marks the range as having no line and leaves the running line alone;
     * pairs with sdelta 0 only carry line deltas too large for one byte.
     * Since start <= addr always holds, the first range ending after addr
     * is non-empty and holds it.
     */
    for (i = 0; i + 1 < len; i += 2) {
        int64_t end = start + tab[i];
        int ldelta = linetable_signed_byte(tab[i + 1]);

        if (ldelta != -128) {
            line += ldelta;
            if (line < INT_MIN || line > INT_MAX)
                return 0;
        }
        if (end > addr_bytes)
            return ldelta == -128 ? -1 : linetable_clamp_line(line);
        start = end;
    }
    return 0;
}

/*
 * Signed varint of a 3.11+ entry, from p[0] up to (not including) p[n]:
 * 6-bit chunks, least significant first, 0x40 = another chunk follows; the
 * unsigned value v stands for -(v >> 1) if v & 1, else v >> 1.  Returns 0,
 * or -1 if the varint does not end within n bytes or is longer than
 * MAX_VARINT_CHUNKS.
 */
static int
linetable_read_svarint(const uint8_t *p, size_t n, int64_t *out)
{
    uint64_t v = 0;
    size_t k;

    for (k = 0; k < n && k < MAX_VARINT_CHUNKS; k++) {
        v |= (uint64_t)(p[k] & 63) << (6 * k);
        if (!(p[k] & 64)) {
            if (v > UINT32_MAX)
                return -1;
            *out = (v & 1) ? -(int64_t)(v >> 1) : (int64_t)(v >> 1);
            return 0;
        }
    }
    return -1;
}

int
linetable_311_line(const uint8_t *tab, size_t len, int firstlineno, int addr_bytes)
{
    int64_t line = firstlineno;
    int64_t start = 0;
    size_t i = 0;

    if (addr_bytes < 0)
        return linetable_clamp_line(firstlineno);
    if (tab == NULL)
        return 0;
    /*
     * An entry is its first byte (bit 7 set) plus every following byte with
     * bit 7 clear; CPython's advance() skips entries the same way, without
     * parsing columns, so only the line delta is decoded here.  A "no
     * location" entry has no line delta (CPython's get_line_delta() gives 0).
     */
    while (i < len) {
        uint8_t b = tab[i];
        int code = (b >> 3) & 15;
        size_t next = i + 1;
        int64_t delta = 0;
        int64_t end;

        if (!(b & 0x80))
            return 0;
        while (next < len && !(tab[next] & 0x80))
            next++;
        if (code == LOC_NO_COLUMNS || code == LOC_LONG) {
            if (linetable_read_svarint(tab + i + 1, next - i - 1, &delta) < 0)
                return 0;
        } else if (code >= LOC_ONE_LINE0 && code <= LOC_ONE_LINE2) {
            delta = code - LOC_ONE_LINE0;
        }
        line += delta;
        if (line < INT_MIN || line > INT_MAX)
            return 0;
        end = start + ((b & 7) + 1) * 2;
        if (end > addr_bytes)
            return code == LOC_NONE ? -1 : linetable_clamp_line(line);
        start = end;
        i = next;
    }
    return 0;
}
