/* Unit test runner: every suite of suites.h, fork mode, per-test timeout. */
#include <check.h>
#include <stdlib.h>

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
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
