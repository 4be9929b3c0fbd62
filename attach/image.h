/*
 * image.h - the memory-image source: what one snapshot's walk read from a
 * live process, saved to a file and walked again without the process.
 *
 * An image holds the bytes the walk read (address ranges), the thread names
 * and tid translations it asked for, and the runtime facts the walk needs
 * (pid, _PyRuntime address, version, the filled layout by field name, the
 * glibc pthread tid offset).  Walkers cannot tell an image from a live
 * process.  Unit tests and fuzzers use it; tools/capture-image writes it.
 *
 * This module stays below pyframes (attach may include only common): the
 * layout travels as (name, offset, size, bit offset, bit size) rows, exactly
 * what layout_dump() prints, and turning them into a struct py_runtime is the
 * caller's business (fuzz/image_runtime.h).
 *
 * File format, version 1, every integer little-endian:
 *
 *   header   16 bytes: "AIOMIMG\n", u32 version (1), u32 flags (0)
 *   records  until the end of the file, each
 *              u32 type, u32 len, len bytes of payload, zeros up to a multiple of 8
 *
 *   type 1 INFO    exactly once, 120 bytes: i32 pid, i32 pthread_tid_off,
 *                  u64 runtime_addr, u64 version_hex, char version[32],
 *                  char layout_source[64] (NUL-padded)
 *   type 2 FIELD   u32 off, u32 size, u16 bit_off, u16 bit_size, u8 src, 3 zero
 *                  bytes, then the field name (1..63 bytes of [A-Z0-9_])
 *   type 3 THREAD  i64 tid, i64 ns_tid (the tid the target knows it by, 0 =
 *                  the same), then its name (0..63 bytes)
 *   type 4 RANGE   u64 addr, then the bytes at addr (1..IMAGE_MAX_RANGE)
 *   type 5 NOTE    free bytes, ignored by the source (capture-image stores the
 *                  JSON of the live snapshot there); at most one
 *   other types    skipped (a newer writer's additions)
 *
 * Memory: ranges may not overlap.  A page (SOURCE_PAGE) holding any byte of a
 * range is mapped, and its bytes that no range holds read as zero; a read
 * succeeds exactly when every page it touches is mapped.  So an image of only
 * the bytes a walk read replays that walk exactly, and reads of pages the
 * walk never touched fail as they would have on unmapped memory.
 */
#ifndef AIO_ATTACH_IMAGE_H
#define AIO_ATTACH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

#define IMAGE_MAGIC "AIOMIMG\n"
#define IMAGE_VERSION 1
#define IMAGE_MAX_FILE (256u << 20)     /* largest image file read */
#define IMAGE_MAX_RANGE (64u << 20)     /* largest single range */
#define IMAGE_MAX_RANGES (1u << 20)
#define IMAGE_MAX_THREADS 10000
#define IMAGE_MAX_FIELDS 1024
#define IMAGE_NAME_MAX 64               /* field and thread names, with the NUL */

enum image_rec_type {
    IMAGE_REC_INFO = 1,
    IMAGE_REC_FIELD = 2,
    IMAGE_REC_THREAD = 3,
    IMAGE_REC_RANGE = 4,
    IMAGE_REC_NOTE = 5,
};

/* One layout row, as layout_dump() prints it. */
struct image_field {
    char name[IMAGE_NAME_MAX];  /* "TS_NEXT"; NUL-terminated */
    uint32_t off, size;
    uint16_t bit_off, bit_size;
    uint8_t src;                /* enum layout_src of the provider that filled it */
};

/* The runtime facts of an image (everything py_snapshot_read needs but bytes). */
struct image_runtime {
    int pid;
    int pthread_tid_off;        /* -1 unknown */
    uint64_t runtime_addr;      /* &_PyRuntime */
    uint64_t version_hex;       /* PY_VERSION_HEX */
    char version[32];           /* "3.12.1", NUL-terminated */
    char layout_source[64];     /* "dwarf+table", NUL-terminated */
    const struct image_field *fields;   /* borrowed from the source (writer: from caller) */
    size_t nfields;
    const uint8_t *note;        /* borrowed like fields; NULL if none */
    size_t note_len;
};

/*
 * Open an image held in memory (copied: data may go away afterwards).  Fills
 * src (pid, tids, the read/thread_name/host_tid ops; stop and resume do
 * nothing) and rt, whose fields and note point into src and stay valid until
 * source_close(src).  The input is hostile: every length, count and address
 * is checked.  0, or -AIO_E_BADFILE with err_set() naming what is wrong; on
 * failure src is as after source_init() and source_close() is still safe.
 */
int image_open_mem(struct source *src, const uint8_t *data, size_t len, struct image_runtime *rt);

/* The same from a file (at most IMAGE_MAX_FILE bytes); also -AIO_E_IO. */
int image_open(struct source *src, const char *path, struct image_runtime *rt);

/*
 * Writing an image: record what a walk read, then save.  The writer keeps
 * every page touched with a mask of the bytes known, so overlapping and
 * repeated reads are fine; save emits each run of known bytes as one range.
 */
struct image_writer;

/* A new writer for rt (copied, fields and note included).  Never fails. */
struct image_writer *image_writer_new(const struct image_runtime *rt);

/* Record len bytes read at addr (a read that succeeded).  Later bytes win. */
void image_writer_add(struct image_writer *w, uint64_t addr, const void *bytes, size_t len);

/* Set the NOTE (copied; replaces the one given at image_writer_new). */
void image_writer_note(struct image_writer *w, const void *bytes, size_t len);

/* Record a thread: its (host) tid, the tid the target knows (0 = the same), its name. */
void image_writer_thread(struct image_writer *w, long tid, long ns_tid, const char *name);

/*
 * Write the image to path: a temp file in the same directory, then rename
 * (mode 0644).  0 or -AIO_E_IO with err_set().
 */
int image_writer_save(struct image_writer *w, const char *path);

/* Bytes recorded so far (the sum of range lengths save would write). */
size_t image_writer_bytes(const struct image_writer *w);

void image_writer_free(struct image_writer *w);

#endif
