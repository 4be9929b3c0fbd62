/*
 * check_netsock.c - the /proc/net line parsers of attach/netsock.c: TCP and
 * UDP over IPv4 and IPv6 (compressed, v4-mapped), Unix sockets with and
 * without a path, other inodes, malformed lines.
 */
#include <check.h>
#include <string.h>

#include "attach/netsock.h"

Suite *suite_netsock(void);

static const char tcp_line[] =
    "   3: 0100007F:1F90 0200000A:1538 01 00000000:00000000 00:00000000 00000000  1000"
    "        0 123456 1 0000000000000000 20 4 30 10 -1\n";

START_TEST(test_netsock_inet)
{
    struct netsock ns;

    memset(&ns, 0, sizeof(ns));
    ck_assert_int_eq(netsock_parse_inet(tcp_line, false, 123456, &ns), 1);
    ck_assert_str_eq(ns.local, "127.0.0.1:8080");
    ck_assert_str_eq(ns.peer, "10.0.0.2:5432");
    ck_assert(ns.have_peer);
    ck_assert_int_eq(netsock_parse_inet(tcp_line, false, 12345, &ns), 0);
    ck_assert_int_eq(netsock_parse_inet(
        "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n",
        true, 777, &ns), 1);
    ck_assert_str_eq(ns.local, "[::1]:8080");
    ck_assert_str_eq(ns.peer, "[::]:0");
    ck_assert_int_eq(netsock_parse_inet(
        "   1: 0000000000000000FFFF00000100007F:0050 B80D0120000000000000000001000000:01BB 01 "
        "00000000:00000000 00:00000000 00000000     0        0 778 1\n", true, 778, &ns), 1);
    ck_assert_str_eq(ns.local, "[::ffff:127.0.0.1]:80");
    ck_assert_str_eq(ns.peer, "[2001:db8::1]:443");
    /* malformed: short address, missing fields, no inode */
    ck_assert_int_eq(netsock_parse_inet("   0: 0100007F:1F9 0200000A:1538 01\n", false, 1, &ns),
                     -1);
    ck_assert_int_eq(netsock_parse_inet("   0: 0100007F:1F90 0200000A:1538 01 x\n", false, 1,
                                        &ns), -1);
    ck_assert_int_eq(netsock_parse_inet("", false, 1, &ns), -1);
    ck_assert_int_eq(netsock_parse_inet(tcp_line, true, 123456, &ns), -1);
}
END_TEST

START_TEST(test_netsock_unix)
{
    struct netsock ns;
    char longp[400];

    memset(&ns, 0, sizeof(ns));
    ck_assert_int_eq(netsock_parse_unix("ffff8a1e01234400: 00000002 00000000 00010000 0001 01 "
                                        "34567 /tmp/aiomon-net-x/s\n", 34567, &ns), 1);
    ck_assert_str_eq(ns.local, "/tmp/aiomon-net-x/s");
    ck_assert(!ns.have_peer);
    ck_assert_int_eq(netsock_parse_unix("ffff8a1e01234800: 00000003 00000000 00000000 0001 03 "
                                        "34568\n", 34568, &ns), 1);
    ck_assert_str_eq(ns.local, "");
    ck_assert_int_eq(netsock_parse_unix("ffff8a1e01234800: 00000003 00000000 00000000 0001 03 "
                                        "34568\n", 1, &ns), 0);
    ck_assert_int_eq(netsock_parse_unix("ffff8a1e01234800: 00000003 00000000\n", 1, &ns), -1);
    /* a path longer than the buffer is cut, terminated */
    snprintf(longp, sizeof(longp), "0: 2 0 0 1 1 9 /%0300d\n", 0);
    ck_assert_int_eq(netsock_parse_unix(longp, 9, &ns), 1);
    ck_assert_uint_eq(strlen(ns.local), NETSOCK_ADDR - 1);
}
END_TEST

Suite *
suite_netsock(void)
{
    Suite *su = suite_create("netsock");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_netsock_inet);
    tcase_add_test(tc, test_netsock_unix);
    suite_add_tcase(su, tc);
    return su;
}
