/*
 * suites.h - every Check suite of the unit tests, one line each:
 * X(function returning Suite *).  Add a line when adding a check_<module>.c.
 */
#define UNIT_SUITES(X) \
    X(suite_snapshot) \
    X(suite_wait) \
    X(suite_netsock) \
    X(suite_escape) \
    X(suite_source) \
    X(suite_tree) \
    X(suite_writers) \
    X(suite_load) \
    X(suite_history) \
    X(suite_events) \
    X(suite_metrics) \
    X(suite_metrics_http) \
    X(suite_core) \
    X(suite_core_files) \
    X(suite_linetable) \
    X(suite_ui) \
    X(suite_ui_panes) \
    X(suite_ui_lines) \
    X(suite_ui_groups) \
    X(suite_unwind) \
    X(suite_image) \
    X(suite_debugoffsets) \
    X(suite_walk314) \
    X(suite_versions) \
    X(suite_tracer) \
    X(suite_options) \
    X(suite_locals) \
    X(suite_task_end) \
    X(suite_track) \
    X(suite_track_install)
