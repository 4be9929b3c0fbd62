/*
 * linetable.h - line numbers from CPython line tables, bytes in, line out.
 *
 * Pure functions: no remote reads, no allocation, no global state.  The
 * table is a local copy of the target's bytes and is treated as hostile: a
 * decoder never reads tab[len] or beyond, does at most O(len) work, and never
 * overflows an int whatever the bytes say.
 *
 * Each decoder returns exactly what the interpreter that wrote the table
 * reports through PyCode_Addr2Line() (and so frame.f_lineno) for every
 * address the table covers.  Return values, common to the three decoders:
 *
 *   > 0   the line number.
 *     0   unknown: the table is malformed before reaching the address, does
 *         not cover the address, or the computed line is outside 0..INT_MAX.
 *         CPython 3.11+ also really reports line 0 for the RESUME that starts
 *         a module's code (co_firstlineno 1, first entry delta -1); that line
 *         is equally unreportable, so the two cases share the value.
 *    -1   (3.10 and 3.11+ formats only) the instruction has no line: a -128
 *         line delta (3.10) or a "no location" entry (3.11+).  This is
 *         CPython's -1 from PyCode_Addr2Line, shown as f_lineno None.
 *
 * A negative address returns firstlineno (0 if firstlineno < 0), as CPython
 * does for a frame that has not started yet (f_lasti -1).
 *
 * The one deliberate difference from CPython: for an address past the end
 * of a 3.10 or 3.11+ table CPython answers -1, these decoders answer 0.  A
 * table written by CPython covers all of co_code, so this only happens when
 * the table or the address is wrong.  (For 3.8/3.9 an address past the end
 * gets the last line, as in CPython; the format has no length to check.)
 */
#ifndef AIO_PYFRAMES_LINETABLE_H
#define AIO_PYFRAMES_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * 3.8/3.9 co_lnotab: (addr_incr, line_incr) byte pairs; addr_incr unsigned,
 * line_incr signed since 3.8.  lasti_bytes is f_lasti, which counts BYTES in
 * 3.8/3.9.  The line is that of the last pair whose cumulative address is
 * <= lasti_bytes (PyCode_Addr2Line; the same as dis.findlinestarts: the
 * line of the last line start <= the offset).  Never returns -1.  A trailing
 * odd byte is ignored.
 */
int linetable_lnotab_line(const uint8_t *tab, size_t len, int firstlineno, int lasti_bytes);

/*
 * 3.10 co_linetable (PEP 626, Objects/lnotab_notes.txt of 3.10): pairs of
 * (start delta in bytes, unsigned; line delta, signed, -128 = no line).
 * addr_bytes = f_lasti * 2 (3.10's f_lasti counts code units).  Returns the
 * line of the non-empty range holding addr_bytes, -1 if that range has no
 * line, 0 if no complete pair covers it.
 */
int linetable_310_line(const uint8_t *tab, size_t len, int firstlineno, int addr_bytes);

/*
 * 3.11+ location table (Objects/locations.md): entries whose first byte has
 * bit 7 set, a 4-bit form code and a length of 1..8 code units; the line
 * delta is 0 (short forms 0-9), code-10 (one-line forms 10-12), a signed
 * varint (no-column form 13, long form 14), or absent (15, no location).
 * addr_bytes = code-unit index * 2.  Returns the line of the entry holding
 * addr_bytes, -1 for a "no location" entry, 0 when the table is malformed
 * (first byte without bit 7, a line-delta varint that runs off its entry or
 * past 32 bits) before that entry, or ends before it.
 */
int linetable_311_line(const uint8_t *tab, size_t len, int firstlineno, int addr_bytes);

#endif
