#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"

Suite *suite_escape(void);

#define ELLIPSIS "\xe2\x80\xa6"
#define FFFD "\xef\xbf\xbd"

/* escape_text or escape_json into a malloc'ed string. */
static char *
esc_capture(bool json, const char *s, size_t len, size_t cap, size_t *outlen)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);

    ck_assert_ptr_nonnull(f);
    if (json)
        escape_json(f, s, len, cap);
    else
        escape_text(f, s, len, cap);
    fclose(f);
    if (outlen)
        *outlen = n;
    return buf;
}

static void
esc_text_is(const char *in, size_t len, const char *want)
{
    char *got = esc_capture(false, in, len, 0, NULL);
    char buf[256];

    ck_assert_str_eq(got, want);
    /* The buffer variant agrees when it has room. */
    ck_assert_uint_eq(escape_text_buf(buf, sizeof(buf), in, len, 0), strlen(want));
    ck_assert_str_eq(buf, want);
    free(got);
}

static void
esc_json_is(const char *in, size_t len, const char *want)
{
    char *got = esc_capture(true, in, len, 0, NULL);

    ck_assert_str_eq(got, want);
    free(got);
}

/* An independent strict UTF-8 decoder: the code point at *s, advancing it, or -1. */
static long
chk_utf8(const unsigned char **s, const unsigned char *end)
{
    const unsigned char *p = *s;
    long cp, min;
    int n, i;

    if (p[0] < 0x80) {
        *s = p + 1;
        return p[0];
    }
    if ((p[0] & 0xe0) == 0xc0) {
        n = 2, cp = p[0] & 0x1f, min = 0x80;
    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3, cp = p[0] & 0x0f, min = 0x800;
    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4, cp = p[0] & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (end - p < n)
        return -1;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *s = p + n;
    return cp;
}

/* A tiny checker: s is one valid JSON string literal in valid UTF-8 and nothing else. */
static bool
chk_json_string(const char *str, size_t len)
{
    const unsigned char *p = (const unsigned char *)str, *end = p + len;
    long cp;
    int i;

    if (len < 2 || *p++ != '"')
        return false;
    while (p < end && *p != '"') {
        if (*p == '\\') {
            if (++p >= end)
                return false;
            if (*p == 'u') {
                for (i = 1; i <= 4; i++) {
                    if (p + i >= end || !strchr("0123456789abcdef", p[i]) || !p[i])
                        return false;
                }
                p += 5;
            } else if (strchr("\"\\/bfnrt", *p) && *p) {
                p++;
            } else {
                return false;
            }
            continue;
        }
        cp = chk_utf8(&p, end);
        if (cp < 0x20)
            return false;   /* invalid, or a raw control character */
    }
    return p + 1 == end && *p == '"';
}

START_TEST(test_utf8_seq)
{
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"a", 1), 1);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xc3\xa9", 2), 2);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xe2\x82\xac", 3), 3);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xf4\x8f\xbf\xbf", 4), 4);
    /* overlong, surrogate, above U+10FFFF, truncated, stray bytes */
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xc0\xaf", 2), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xc1\xbf", 2), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xe0\x80\xaf", 3), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xf0\x80\x80\xaf", 4), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xed\xbf\xbf", 3), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xe2\x82\xac", 2), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xe2\x28\xac", 3), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\x80", 1), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xff", 1), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"\xf5\x80\x80\x80", 4), 0);
    ck_assert_uint_eq(escape_utf8_seq((const unsigned char *)"", 0), 0);
}
END_TEST

START_TEST(test_text_controls)
{
    esc_text_is("plain text", 10, "plain text");
    esc_text_is("a\tb\nc\rd\x7f", 8, "a\\x09b\\x0ac\\x0dd\\x7f");
    esc_text_is("\x1b[31mred\x1b[0m", 12, "\\x1b[31mred\\x1b[0m");
    esc_text_is("\x1b]0;x\x07", 6, "\\x1b]0;x\\x07");
    /* C1 controls as characters: CSI U+009B, NEL U+0085 */
    esc_text_is("a\xc2\x9b" "31m\xc2\x85", 8, "a\\x9b31m\\x85");
    esc_text_is("a\0b", 3, "a\\x00b");
    esc_text_is("\0", 1, "\\x00");
    esc_text_is("", 0, "");
    /* bidirectional overrides and isolates (Trojan Source) are shown, not obeyed */
    esc_text_is("a\xe2\x80\xae" "b\xe2\x81\xa6" "c", 9, "a\\u202eb\\u2066c");
}
END_TEST

START_TEST(test_text_invalid_utf8)
{
    esc_text_is("\xc0\xaf", 2, FFFD FFFD);                         /* overlong '/' */
    esc_text_is("\xe0\x80\xaf", 3, FFFD FFFD FFFD);
    esc_text_is("\xed\xa0\x80", 3, FFFD FFFD FFFD);                 /* surrogate */
    esc_text_is("x\xe2\x82", 3, "x" FFFD FFFD);                     /* truncated at end */
    esc_text_is("\xe2\x82" "A", 3, FFFD FFFD "A");                  /* truncated mid-string */
    esc_text_is("\xff\xfe", 2, FFFD FFFD);
    esc_text_is("\xf0\x9f\x98\x80 ok \xc3\xa9", 10, "\xf0\x9f\x98\x80 ok \xc3\xa9");
    esc_text_is("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD);
    esc_text_is("ok \xc3", 4, "ok " FFFD);                       /* cut by the end */
}
END_TEST

START_TEST(test_text_caps)
{
    size_t big = 1 << 20, n;
    char *in = malloc(big), *out, buf[16];

    memset(in, 'a', big);
    out = esc_capture(false, in, big, 0, &n);
    ck_assert_uint_eq(n, ESCAPE_MAX_TEXT + 3);
    ck_assert(memcmp(out + ESCAPE_MAX_TEXT, ELLIPSIS, 3) == 0);
    free(out);
    /* 1 MB of ESC: every byte counts against the cap, output stays bounded */
    memset(in, 0x1b, big);
    out = esc_capture(false, in, big, 0, &n);
    ck_assert_uint_eq(n, ESCAPE_MAX_TEXT * 4 + 3);
    free(out);
    /* JSON: explicit cap, and no cap at all */
    memset(in, 'a', big);
    out = esc_capture(true, in, big, 100, &n);
    ck_assert_uint_eq(n, 100 + 3 + 2);
    ck_assert(chk_json_string(out, n));
    free(out);
    out = esc_capture(true, in, big, 0, &n);
    ck_assert_uint_eq(n, big + 2);
    free(out);
    free(in);

    /* a character crossing the cap is dropped whole */
    out = esc_capture(false, "ab\xe2\x82\xac", 5, 4, NULL);
    ck_assert_str_eq(out, "ab" ELLIPSIS);
    free(out);
    out = esc_capture(false, "ab\xe2\x82\xac", 5, 5, NULL);
    ck_assert_str_eq(out, "ab\xe2\x82\xac");
    free(out);

    /* buffer variant: cut at a unit boundary, "…" fits, always terminated */
    ck_assert_uint_eq(escape_text_buf(buf, 8, "abcdefg", 7, 0), 7);
    ck_assert_str_eq(buf, "abcdefg");
    ck_assert_uint_eq(escape_text_buf(buf, 8, "abcdefgh", 8, 0), 7);
    ck_assert_str_eq(buf, "abcd" ELLIPSIS);
    ck_assert_uint_eq(escape_text_buf(buf, 8, "ab\x1b" "cdef", 7, 0), 5);
    ck_assert_str_eq(buf, "ab" ELLIPSIS);
    ck_assert_uint_eq(escape_text_buf(buf, 8, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 8, 0), 7);
    ck_assert_str_eq(buf, "\xf0\x9f\x98\x80" ELLIPSIS);
    ck_assert_uint_eq(escape_text_buf(buf, 3, "abc", 3, 0), 2);
    ck_assert_str_eq(buf, "ab");
    ck_assert_uint_eq(escape_text_buf(buf, 1, "abc", 3, 0), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(escape_text_buf(buf, 0, "abc", 3, 0), 0);
    ck_assert_uint_eq(escape_text_buf(buf, 16, "abcdef", 6, 3), 6);
    ck_assert_str_eq(buf, "abc" ELLIPSIS);
}
END_TEST

START_TEST(test_json_exact)
{
    esc_json_is("plain", 5, "\"plain\"");
    esc_json_is("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
    esc_json_is("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    esc_json_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
    esc_json_is("a\0b", 3, "\"a\\u0000b\"");
    esc_json_is("\x1b[31m", 5, "\"\\u001b[31m\"");
    esc_json_is("\x1b]0;x\x07", 6, "\"\\u001b]0;x\\u0007\"");
    esc_json_is("\xc2\x9b\xc2\x85", 4, "\"\\u009b\\u0085\"");
    esc_json_is("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
    esc_json_is("\xf0\x9f\x98\x80\xc3\xa9", 6, "\"\xf0\x9f\x98\x80\xc3\xa9\"");
    esc_json_is("\xff" "a\xed\xa0\x80", 5, "\"" FFFD "a" FFFD FFFD FFFD "\"");
    esc_json_is("\xc0\xaf\xe2\x82", 4, "\"" FFFD FFFD FFFD FFFD "\"");
    esc_json_is("", 0, "\"\"");
}
END_TEST

/* Random byte strings always give one valid JSON string and valid UTF-8 text without controls. */
START_TEST(test_random_valid)
{
    unsigned long long x = 88172645463325252ULL;
    char in[64], *out;
    const unsigned char *p, *end;
    size_t n, len, i;
    int round;
    long cp;

    for (round = 0; round < 20000; round++) {
        len = round % 64;
        for (i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* bias towards the interesting bytes */
            in[i] = (char)((x & 0x100) ? "\x00\x1b\x7f\x80\xbf\xc0\xc2\xe0\xed\xf0\xf4\xff\"\\"
                                          [x % 14] : (char)x);
        }
        out = esc_capture(true, in, len, 0, &n);
        ck_assert_msg(chk_json_string(out, n), "round %d", round);
        free(out);
        out = esc_capture(false, in, len, 0, &n);
        p = (const unsigned char *)out;
        end = p + n;
        while (p < end) {
            cp = chk_utf8(&p, end);
            ck_assert_msg(cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f),
                          "round %d", round);
        }
        free(out);
    }
}
END_TEST

Suite *
suite_escape(void)
{
    Suite *su = suite_create("escape");
    TCase *tc = tcase_create("escape");

    tcase_add_test(tc, test_utf8_seq);
    tcase_add_test(tc, test_text_controls);
    tcase_add_test(tc, test_text_invalid_utf8);
    tcase_add_test(tc, test_text_caps);
    tcase_add_test(tc, test_json_exact);
    tcase_add_test(tc, test_random_valid);
    suite_add_tcase(su, tc);
    return su;
}
