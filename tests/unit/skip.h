/*
 * skip.h - Check has no "skipped" outcome: a test that cannot run where it
 * runs (no gcore, no core_pattern, no permission to trace, a data folder
 * missing) calls unit_skip() and returns; main() counts those after the run
 * and prints "N skipped:" with each reason, below Check's own summary, so
 * that a test that did not run is never a silent pass.
 *
 * Tests run in forked children (CK_FORK): a skip is one line appended to the
 * file named by $AIOMON_UNIT_SKIPS (set up by main), which survives the child.
 */
#ifndef AIO_TESTS_UNIT_SKIP_H
#define AIO_TESTS_UNIT_SKIP_H

#define UNIT_SKIPS_ENV "AIOMON_UNIT_SKIPS"

/* Record that test `test` did not run, and why (printf format); also on stderr. */
void unit_skip(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set up the skip file for this run (main, before srunner_run_all). */
void unit_skips_begin(void);

/* Print "N skipped: ..." (one reason per line) if any, remove the file; returns N. */
int unit_skips_end(void);

#endif
