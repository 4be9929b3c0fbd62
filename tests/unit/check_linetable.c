/*
 * check_linetable.c - line-table decoders against every code unit of the
 * generated vectors (linetable_vectors.h, truth = each interpreter's own
 * PyCode_Addr2Line), hand-made tables for each format rule, and hostile
 * input.  Tables are always copied into a buffer of exactly their length,
 * so ASan reports any read past `len`.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyframes/linetable.h"
#include "linetable_vectors.h"

Suite *suite_linetable(void);

static int
ltv_decode(enum ltv_format format, const uint8_t *tab, size_t len, int first, int addr)
{
    switch (format) {
    case LTV_LNOTAB:
        return linetable_lnotab_line(tab, len, first, addr);
    case LTV_310:
        return linetable_310_line(tab, len, first, addr);
    case LTV_311:
        return linetable_311_line(tab, len, first, addr);
    }
    abort();
}

/*
 * A heap buffer of exactly n bytes (1 allocated when n is 0, never read),
 * holding a copy of p, or left uninitialised when p is NULL.
 */
static uint8_t *
ltv_dup(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);

    if (q == NULL)
        ck_abort_msg("out of memory");
    if (p != NULL && n > 0)
        memcpy(q, p, n);
    return q;
}

START_TEST(test_vectors_every_offset)
{
    size_t v, i, checked = 0;

    for (v = 0; v < LTV_COUNT; v++) {
        const struct ltv_vector *t = &ltv_vectors[v];
        uint8_t *tab = ltv_dup(t->tab, t->tab_len);

        for (i = 0; i < t->nunits; i++) {
            int got = ltv_decode(t->format, tab, t->tab_len, t->firstlineno, (int)(2 * i));

            if (got != t->lines[i])
                ck_abort_msg("%s: offset %zu: got %d, CPython says %d",
                             t->name, 2 * i, got, t->lines[i]);
            checked++;
        }
        free(tab);
    }
    ck_assert_uint_gt(checked, 10000);
}
END_TEST

START_TEST(test_vectors_outside_code)
{
    size_t v;

    for (v = 0; v < LTV_COUNT; v++) {
        const struct ltv_vector *t = &ltv_vectors[v];
        uint8_t *tab = ltv_dup(t->tab, t->tab_len);
        int end = (int)(2 * t->nunits);

        /* A frame that has not started (f_lasti -1) reports co_firstlineno. */
        ck_assert_int_eq(ltv_decode(t->format, tab, t->tab_len, t->firstlineno, -1),
                         t->firstlineno);
        ck_assert_int_eq(ltv_decode(t->format, tab, t->tab_len, t->firstlineno, -2),
                         t->firstlineno);
        ck_assert_int_eq(ltv_decode(t->format, tab, t->tab_len, t->firstlineno, INT_MIN),
                         t->firstlineno);
        if (t->format == LTV_LNOTAB) {
            /* lnotab has no length: past the end is the last line, as in CPython. */
            ck_assert_int_eq(ltv_decode(t->format, tab, t->tab_len, t->firstlineno, end),
                             t->lines[t->nunits - 1]);
            ck_assert_int_eq(ltv_decode(t->format, tab, t->tab_len, t->firstlineno, INT_MAX),
                             t->lines[t->nunits - 1]);
        } else {
            ck_assert_int_eq(ltv_decode(t->format, tab, t->tab_len, t->firstlineno, end), 0);
            ck_assert_int_eq(ltv_decode(t->format, tab, t->tab_len, t->firstlineno, INT_MAX),
                             0);
        }
        free(tab);
    }
}
END_TEST

/* Sum of the address increments of the complete pairs of an lnotab prefix. */
static long
ltv_lnotab_span(const uint8_t *tab, size_t len)
{
    long span = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        span += tab[i];
    return span;
}

/*
 * Cut a table at `cut` bytes.  lnotab: every offset below the span of the
 * complete pairs keeps its line.  3.10/3.11+: the answers are the true ones
 * up to some offset and 0 ("unknown") from there on, never a wrong line.
 */
static void
ltv_check_cut(const struct ltv_vector *t, size_t cut)
{
    uint8_t *tab = ltv_dup(t->tab, cut);
    long span = ltv_lnotab_span(tab, cut);
    int unknown_from = -1;
    size_t i;

    for (i = 0; i < t->nunits; i++) {
        int off = (int)(2 * i);
        int got = ltv_decode(t->format, tab, cut, t->firstlineno, off);

        if (t->format == LTV_LNOTAB) {
            if (off < span && got != t->lines[i])
                ck_abort_msg("%s cut %zu: offset %d: got %d, want %d",
                             t->name, cut, off, got, t->lines[i]);
            continue;
        }
        if (unknown_from < 0 && got != t->lines[i])
            unknown_from = off;
        if (unknown_from >= 0 && got != 0)
            ck_abort_msg("%s cut %zu: offset %d: got %d after unknown at %d",
                         t->name, cut, off, got, unknown_from);
    }
    free(tab);
}

START_TEST(test_vectors_truncated)
{
    size_t v, j;

    for (v = 0; v < LTV_COUNT; v++) {
        const struct ltv_vector *t = &ltv_vectors[v];

        ltv_check_cut(t, 0);
        ltv_check_cut(t, 1);
        if (t->tab_len > 0)
            ltv_check_cut(t, t->tab_len - 1);
        for (j = 1; j < 12; j++)
            ltv_check_cut(t, t->tab_len * j / 12);
    }
}
END_TEST

START_TEST(test_lnotab_rules)
{
    /* (6,+1) (0,+2) (4,-1); a trailing odd byte is ignored. */
    static const uint8_t raw[] = { 6, 1, 0, 2, 4, 0xff, 9 };
    uint8_t *tab = ltv_dup(raw, sizeof(raw));
    int a;

    for (a = 0; a < 6; a++)
        ck_assert_int_eq(linetable_lnotab_line(tab, sizeof(raw), 10, a), 10);
    for (a = 6; a < 10; a++)
        ck_assert_int_eq(linetable_lnotab_line(tab, sizeof(raw), 10, a), 13);
    ck_assert_int_eq(linetable_lnotab_line(tab, sizeof(raw), 10, 10), 12);
    ck_assert_int_eq(linetable_lnotab_line(tab, sizeof(raw), 10, 1000), 12);
    ck_assert_int_eq(linetable_lnotab_line(tab, sizeof(raw), 10, -1), 10);
    ck_assert_int_eq(linetable_lnotab_line(tab, 0, 10, 50), 10);
    ck_assert_int_eq(linetable_lnotab_line(NULL, 8, 10, 50), 10);
    /* A line driven below zero is unknown, never negative. */
    ck_assert_int_eq(linetable_lnotab_line(tab, sizeof(raw), -20, 7), 0);
    free(tab);
}
END_TEST

START_TEST(test_310_rules)
{
    /* [0,4) +1; zero-width pairs carry +127 twice; [4,6) +10; [6,8) no line; [8,10) +1. */
    static const uint8_t raw[] = { 4, 1, 0, 127, 0, 127, 2, 10, 2, 0x80, 2, 1, 7 };
    uint8_t *tab = ltv_dup(raw, sizeof(raw));

    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 0), 11);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 3), 11);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 4), 275);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 5), 275);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 6), -1);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 7), -1);
    /* -128 does not move the running line. */
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 8), 276);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, 10), 0);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), 10, -1), 10);
    ck_assert_int_eq(linetable_310_line(tab, sizeof(raw), -3, -1), 0);
    ck_assert_int_eq(linetable_310_line(NULL, 10, 10, 0), 0);
    ck_assert_int_eq(linetable_310_line(tab, 0, 10, 0), 0);
    free(tab);
}
END_TEST

START_TEST(test_311_rules)
{
    static const uint8_t raw[] = {
        0x80 | (1 << 3) | 1, 0x25,          /* short form, 2 units: line 10 */
        0x80 | (11 << 3) | 0, 4, 9,         /* one-line form +1, 1 unit: 11 */
        0x80 | (12 << 3) | 2, 4, 9,         /* one-line form +2, 3 units: 13 */
        0x80 | (13 << 3) | 0, 0x05,         /* no columns, -2, 1 unit: 11 */
        0x80 | (15 << 3) | 1,               /* no location, 2 units */
        0x80 | (14 << 3) | 7, 0x58, 0x09, 0, 0x01, 0x02, /* long, +300, 8 units: 311 */
        0x80 | (10 << 3) | 0, 1, 2,         /* one-line form +0: 311 */
    };
    uint8_t *tab = ltv_dup(raw, sizeof(raw));
    static const int want[] = {
        10, 10, 11, 13, 13, 13, 11, -1, -1,
        311, 311, 311, 311, 311, 311, 311, 311, 311,
    };
    size_t i;

    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ck_assert_int_eq(linetable_311_line(tab, sizeof(raw), 10, (int)(2 * i)), want[i]);
        /* An odd address lies in the same code unit. */
        ck_assert_int_eq(linetable_311_line(tab, sizeof(raw), 10, (int)(2 * i + 1)), want[i]);
    }
    ck_assert_int_eq(linetable_311_line(tab, sizeof(raw), 10, (int)(2 * i)), 0);
    ck_assert_int_eq(linetable_311_line(tab, sizeof(raw), 10, -2), 10);
    /* Line 0 (a module's RESUME in 3.11+) is reported as 0. */
    ck_assert_int_eq(linetable_311_line(tab + 8, sizeof(raw) - 8, 2, 0), 0);
    ck_assert_int_eq(linetable_311_line(NULL, 4, 10, 0), 0);
    free(tab);
}
END_TEST

START_TEST(test_311_malformed)
{
    /* First byte is not an entry start. */
    static const uint8_t nostart[] = { 0x05, 0x80 | (11 << 3) };
    /* 7 varint chunks: longer than any 32-bit value. */
    static const uint8_t toolong[] = { 0x80 | (14 << 3), 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0 };
    /* 6 chunks but above UINT32_MAX. */
    static const uint8_t toobig[] = { 0x80 | (13 << 3), 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x3f };
    /* The varint continues into the next entry's first byte. */
    static const uint8_t crosses[] = { 0x80 | (13 << 3), 0x42, 0x80 | (11 << 3), 0, 0 };
    /* Line past INT_MAX, and below 0. */
    static const uint8_t plus1[] = { 0x80 | (11 << 3), 0, 0 };
    static const uint8_t minus5[] = { 0x80 | (13 << 3), 0x0b };
    struct {
        const uint8_t *raw;
        size_t len;
        int first;
    } cases[] = {
        { nostart, sizeof(nostart), 10 },
        { toolong, sizeof(toolong), 10 },
        { toobig, sizeof(toobig), 10 },
        { crosses, sizeof(crosses), 10 },
        { plus1, sizeof(plus1), INT_MAX },
        { minus5, sizeof(minus5), 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t *tab = ltv_dup(cases[i].raw, cases[i].len);

        ck_assert_msg(linetable_311_line(tab, cases[i].len, cases[i].first, 0) == 0,
                      "case %zu", i);
        ck_assert_int_eq(linetable_311_line(tab, cases[i].len, cases[i].first, INT_MAX), 0);
        free(tab);
    }
}
END_TEST

START_TEST(test_311_varint_never_ends)
{
    size_t n = 4096, form;

    for (form = 13; form <= 14; form++) {
        uint8_t *tab = malloc(n);

        ck_assert_ptr_nonnull(tab);
        tab[0] = (uint8_t)(0x80 | (form << 3));
        memset(tab + 1, 0x7f, n - 1);
        ck_assert_int_eq(linetable_311_line(tab, n, 10, 0), 0);
        ck_assert_int_eq(linetable_311_line(tab, n, 10, INT_MAX), 0);
        /* Also when the table ends right after one continuation byte. */
        ck_assert_int_eq(linetable_311_line(tab, 2, 10, 0), 0);
        ck_assert_int_eq(linetable_311_line(tab, 1, 10, 0), 0);
        free(tab);
    }
}
END_TEST

START_TEST(test_huge_tables_terminate)
{
    size_t n = 1u << 20;
    uint8_t *tab = malloc(n);
    size_t i;

    ck_assert_ptr_nonnull(tab);
    /* 3.11+: 512Ki short entries, all line +0; INT_MAX is never reached. */
    for (i = 0; i < n; i += 2) {
        tab[i] = 0x80;
        tab[i + 1] = 0;
    }
    ck_assert_int_eq(linetable_311_line(tab, n, 10, INT_MAX), 0);
    ck_assert_int_eq(linetable_311_line(tab, n, 10, (int)n - 1), 10);
    /* 3.10: zero-width pairs never cover anything. */
    memset(tab, 0, n);
    ck_assert_int_eq(linetable_310_line(tab, n, 10, 0), 0);
    /* lnotab: +127 lines per pair overflows a line near INT_MAX. */
    for (i = 0; i < n; i += 2) {
        tab[i] = 0;
        tab[i + 1] = 127;
    }
    ck_assert_int_eq(linetable_lnotab_line(tab, n, INT_MAX - 1000, INT_MAX), 0);
    ck_assert_int_eq(linetable_lnotab_line(tab, n, 1, INT_MAX), 1 + 127 * (int)(n / 2));
    /* 3.10: -127 per zero-width pair takes the line below INT_MIN: caught, no overflow. */
    for (i = 0; i < n; i += 2)
        tab[i + 1] = 0x81;
    ck_assert_int_eq(linetable_310_line(tab, n, INT_MIN + 1000, 0), 0);
    free(tab);
}
END_TEST

static uint64_t
ltv_rand(uint64_t *s)
{
    /* xorshift64: fixed seed, so a failure reproduces. */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

START_TEST(test_random_bytes)
{
    static const int firsts[] = { 1, 0, -1, 100, INT_MAX, INT_MIN };
    uint64_t seed = 0x9e3779b97f4a7c15u;
    int iter;

    for (iter = 0; iter < 50000; iter++) {
        size_t len = ltv_rand(&seed) % 64, i;
        uint8_t *tab = ltv_dup(NULL, len);
        int first = firsts[ltv_rand(&seed) % 6];
        int addrs[5];
        int k;

        for (i = 0; i < len; i++) {
            uint64_t r = ltv_rand(&seed);

            /* Bias half the tables towards valid-looking entry starts. */
            tab[i] = (uint8_t)((iter & 1) && (r & 0x100) ? (r | 0x80) : r);
        }
        addrs[0] = 0;
        addrs[1] = (int)(ltv_rand(&seed) % 512);
        addrs[2] = -1;
        addrs[3] = INT_MAX;
        addrs[4] = INT_MIN;
        for (k = 0; k < 5; k++) {
            /* Plain ifs: every ck_assert costs a write to Check's pipe. */
            if (linetable_lnotab_line(tab, len, first, addrs[k]) < 0
                || linetable_310_line(tab, len, first, addrs[k]) < -1
                || linetable_311_line(tab, len, first, addrs[k]) < -1)
                ck_abort_msg("iteration %d: result below the documented range", iter);
        }
        free(tab);
    }
}
END_TEST

Suite *
suite_linetable(void)
{
    Suite *su = suite_create("linetable");
    TCase *tc = tcase_create("vectors");
    TCase *tr = tcase_create("rules");
    TCase *th = tcase_create("hostile");

    tcase_add_test(tc, test_vectors_every_offset);
    tcase_add_test(tc, test_vectors_outside_code);
    tcase_add_test(tc, test_vectors_truncated);
    suite_add_tcase(su, tc);
    tcase_add_test(tr, test_lnotab_rules);
    tcase_add_test(tr, test_310_rules);
    tcase_add_test(tr, test_311_rules);
    suite_add_tcase(su, tr);
    tcase_add_test(th, test_311_malformed);
    tcase_add_test(th, test_311_varint_never_ends);
    tcase_add_test(th, test_huge_tables_terminate);
    tcase_add_test(th, test_random_bytes);
    suite_add_tcase(su, th);
    return su;
}
