/*
 * escape.h - THE choke point for bytes that came from the target process.
 *
 * Every task name, qualname, file name or source line reaches a terminal,
 * a text dump or a JSON file only through these functions.  Input is an
 * arbitrary byte string (may contain NULs, invalid UTF-8, control characters,
 * terminal escape sequences).  Output is always valid UTF-8.
 */
#ifndef AIO_COMMON_ESCAPE_H
#define AIO_COMMON_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Longest target string emitted in full; longer ones are cut with "…". */
#define ESCAPE_MAX_TEXT 4096

/*
 * Write s[0..len) to f as printable UTF-8 for a terminal or a text dump:
 * invalid UTF-8 becomes U+FFFD, C0/C1 controls and DEL become "\xNN"
 * (so ESC never reaches a terminal), output capped at `cap` input bytes
 * (0 = ESCAPE_MAX_TEXT) with a trailing "…" when cut.
 */
void escape_text(FILE *f, const char *s, size_t len, size_t cap);

/*
 * The same rules into a caller buffer (always NUL-terminated when size > 0).
 * Returns the number of bytes written, excluding the NUL.
 */
size_t escape_text_buf(char *dst, size_t size, const char *s, size_t len, size_t cap);

/*
 * Write s[0..len) to f as a JSON string literal including the quotes:
 * valid UTF-8 is kept, invalid bytes become U+FFFD, controls are \uXXXX or
 * the short escapes, '"' and '\\' are escaped; input beyond `cap` bytes
 * (0 = no cap) is dropped and "…" appended.
 */
void escape_json(FILE *f, const char *s, size_t len, size_t cap);

/* escape_json, its output going to put(arg, bytes, n) in pieces. */
typedef void (*escape_sink)(void *arg, const char *p, size_t n);
void escape_json_sink(escape_sink put, void *arg, const char *s, size_t len, size_t cap);

/*
 * Length of the valid UTF-8 sequence starting at s (1..4), or 0 if the
 * bytes at s do not start a valid, shortest-form, non-surrogate sequence.
 */
size_t escape_utf8_seq(const unsigned char *s, size_t len);

#endif
