/*
 * Unit test runner: every suite of suites.h, fork mode, per-test timeout;
 * after Check's summary, the tests that could not run here (skip.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "skip.h"
#include "suites.h"

#define UNIT_DECL(fn) Suite *fn(void);
UNIT_SUITES(UNIT_DECL)
#undef UNIT_DECL

int
main(void)
{
    SRunner *sr = srunner_create(NULL);
    int failed;

#define UNIT_ADD(fn) srunner_add_suite(sr, fn());
    UNIT_SUITES(UNIT_ADD)
#undef UNIT_ADD
    srunner_set_fork_status(sr, CK_FORK);
    unit_skips_begin();
    srunner_run_all(sr, CK_NORMAL);
    /* after Check's own summary line: the tests that passed without running */
    fflush(stdout);
    unit_skips_end();
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
