/*
 * check_metrics_http.c - the --metrics server (cmd/metrics_http.c): GET
 * /metrics answers the text published, anything else 404, an endless
 * request 400, a port in use refused with the reason, a bad spec a usage
 * error.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/metrics_http.h"
#include "common/err.h"

Suite *suite_metrics_http(void);

/* One request to 127.0.0.1:port; the whole answer (owned). */
static char *
http_get(unsigned port, const char *req, size_t reqlen)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char *buf = calloc(1, 65536);
    size_t used = 0;
    ssize_t r;

    ck_assert_int_ge(fd, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /* the server may answer (and close) before all of an over-long request is sent */
    (void)!send(fd, req, reqlen, MSG_NOSIGNAL);
    while (used < 65535 && (r = recv(fd, buf + used, 65535 - used, 0)) > 0)
        used += (size_t)r;
    close(fd);
    return buf;
}

START_TEST(test_http_server)
{
    static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
    static const char other[] = "GET /metricsX HTTP/1.1\r\n\r\n";
    static const char post[] = "POST /metrics HTTP/1.1\r\n\r\n";
    struct metrics_http *m, *m2;
    char spec[32], *a, *big;
    int err = 0;

    m = metrics_http_open("127.0.0.1:0", &err);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_gt(metrics_http_port(m), 0);
    metrics_http_publish(m, "aiomon_up{pid=\"1\"} 1\n", 21);
    a = http_get(metrics_http_port(m), get, sizeof(get) - 1);
    ck_assert_ptr_nonnull(strstr(a, "HTTP/1.0 200 OK\r\n"));
    ck_assert_ptr_nonnull(strstr(a, "Content-Type: text/plain; version=0.0.4"));
    ck_assert_ptr_nonnull(strstr(a, "Content-Length: 21\r\nConnection: close\r\n\r\naiomon_up{pid=\"1\"} 1\n"));
    free(a);
    a = http_get(metrics_http_port(m), other, sizeof(other) - 1);
    ck_assert_ptr_nonnull(strstr(a, "HTTP/1.0 404 "));
    free(a);
    a = http_get(metrics_http_port(m), post, sizeof(post) - 1);
    ck_assert_ptr_nonnull(strstr(a, "HTTP/1.0 404 "));
    free(a);
    big = malloc(3 * METRICS_HTTP_MAX_REQUEST);
    memset(big, 'A', 3 * METRICS_HTTP_MAX_REQUEST);
    a = http_get(metrics_http_port(m), big, 3 * METRICS_HTTP_MAX_REQUEST);
    ck_assert_ptr_nonnull(strstr(a, "HTTP/1.0 400 "));
    free(a);
    free(big);
    /* the port is taken now: refused with a reason */
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", metrics_http_port(m));
    m2 = metrics_http_open(spec, &err);
    ck_assert_ptr_null(m2);
    ck_assert_int_eq(err, -AIO_E_IO);
    ck_assert_ptr_nonnull(strstr(err_msg(err), "in use"));
    ck_assert_ptr_null(metrics_http_open("nonsense", &err));
    ck_assert_int_eq(err, -AIO_E_USAGE);
    metrics_http_close(m);
    metrics_http_close(NULL);
}
END_TEST

Suite *
suite_metrics_http(void)
{
    Suite *s = suite_create("metrics_http");
    TCase *tc = tcase_create("http");

    tcase_add_test(tc, test_http_server);
    suite_add_tcase(s, tc);
    return s;
}
