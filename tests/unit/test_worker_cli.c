/* Unit tests of the workers' standard command line (sb_worker_cli_parse):
 * flags, the worker's own options, and where endpoints come from (flag >
 * environment > config file > build default). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sb_worker.h"

enum { OWN_COUNT = 7 };

typedef struct {
    const char *spool;
    bool flag;
    int calls;
} own_opts;

/* A flag whose row asks for a call: counts them. */
static int on_option(int id, const char *arg, void *p)
{
    own_opts *o = p;
    (void)arg;
    if (id == OWN_COUNT)
        o->calls++;
    return 0;
}

static const sb_worker_flag own[] = {
    {"spool", "DIR", SB_WORKER_FLAG_TEXT, offsetof(own_opts, spool), true, 0,
     "where it goes\n"
     "(a second line)"},
    {"flag", NULL, SB_WORKER_FLAG_SWITCH, offsetof(own_opts, flag), false, 0, "a switch"},
    {"count", NULL, SB_WORKER_FLAG_CALL, 0, false, OWN_COUNT, "counted"},
    {NULL, NULL, 0, 0, false, 0, NULL},
};

static int parse(own_opts *o, sb_worker_cli *cli, int argc, char **argv)
{
    sb_worker_cli_spec spec = {.program = "test",
                               .summary = "a test",
                               .flags = own,
                               .flags_title = "own options:",
                               .on_option = on_option,
                               .arg = o};
    return sb_worker_cli_parse(&spec, argc, argv, cli);
}

static int setup(void **state)
{
    (void)state;
    unsetenv("SKILLBASE_WORKER_ENDPOINT");
    unsetenv("SKILLBASE_ENDPOINT");
    return 0;
}

static void test_defaults_point_beside_the_build_state_dir(void **state)
{
    (void)state;
    own_opts o = {0};
    sb_worker_cli cli;
    char *argv[] = {"w", NULL};
    assert_int_equal(parse(&o, &cli, 1, argv), 0);
    assert_non_null(strstr(cli.endpoint, "/worker.sock"));
    assert_int_equal(strncmp(cli.endpoint, "ipc://", 6), 0);
    assert_non_null(strstr(cli.command_endpoint, "/command.sock"));
    assert_string_equal(cli.endpoint, sb_worker_default_endpoint());
    assert_null(cli.config);
    assert_null(cli.name);
    assert_int_equal(cli.log_level, SB_LOG_INFO);
    assert_int_equal(o.calls, 0);
    assert_null(o.spool);
    assert_false(o.flag);
}

static void test_flags_and_own_options_are_taken(void **state)
{
    (void)state;
    own_opts o = {0};
    sb_worker_cli cli;
    char *argv[] = {"w",
                    "--endpoint",
                    "tcp://127.0.0.1:5",
                    "--command-endpoint",
                    "tcp://127.0.0.1:6",
                    "--name",
                    "n1",
                    "--log-level",
                    "debug",
                    "--spool",
                    "/s",
                    "--flag",
                    "--count",
                    "--count",
                    NULL};
    assert_int_equal(parse(&o, &cli, 14, argv), 0);
    assert_string_equal(cli.endpoint, "tcp://127.0.0.1:5");
    assert_string_equal(cli.command_endpoint, "tcp://127.0.0.1:6");
    assert_string_equal(cli.name, "n1");
    assert_int_equal(cli.log_level, SB_LOG_DEBUG);
    assert_string_equal(o.spool, "/s");
    assert_true(o.flag);
    assert_int_equal(o.calls, 2);
    sb_log_set_level(SB_LOG_INFO);
}

static void test_usage_errors_return_2(void **state)
{
    (void)state;
    own_opts o = {0};
    sb_worker_cli cli;
    char *bad_level[] = {"w", "--log-level", "loud", NULL};
    assert_int_equal(parse(&o, &cli, 3, bad_level), 2);
    char *unknown[] = {"w", "--nope", NULL};
    assert_int_equal(parse(&o, &cli, 2, unknown), 2);
    char *extra[] = {"w", "stray", NULL};
    assert_int_equal(parse(&o, &cli, 2, extra), 2);
    char *refused[] = {"w", "--spool", "", NULL};
    assert_int_equal(parse(&o, &cli, 3, refused), 2);
    char *missing[] = {"w", "--config", "/nonexistent/skillbase.ini", NULL};
    assert_int_equal(parse(&o, &cli, 3, missing), 2);
}

static void test_help_and_version_return_1(void **state)
{
    (void)state;
    own_opts o = {0};
    sb_worker_cli cli;
    char *help[] = {"w", "--help", NULL};
    assert_int_equal(parse(&o, &cli, 2, help), 1);
    char *version[] = {"w", "-V", NULL};
    assert_int_equal(parse(&o, &cli, 2, version), 1);
}

/* --help lists every flag of both tables, each text from the same column,
 * a row's second line under its first. */
static void test_help_lists_every_flag_from_the_rows(void **state)
{
    (void)state;
    own_opts o = {0};
    sb_worker_cli cli;
    char path[] = "/tmp/sb-test-worker-help-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 1), 1);
    char *help[] = {"w", "--help", NULL};
    int rc = parse(&o, &cli, 2, help);
    fflush(stdout);
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    assert_int_equal(rc, 1);
    char text[8192];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    text[n] = '\0';
    static const char *const want[] = {
        "usage: test [OPTIONS]\na test\n\n",
        "      --endpoint EP            the daemon's worker endpoint\n",
        "      --command-endpoint EP    the daemon's command endpoint\n",
        "      --server-key KEY|FILE    tcp://",
        "      --key-file FILE          tcp://",
        "  -c, --config FILE            INI configuration",
        "      --name NAME              name announced to the daemon\n"
        "                               (default PROGRAM-HOST-PID)\n",
        "  -l, --log-level LEVEL        error, warn, info or debug (default info)\n",
        "  -h, --help                   this text\n",
        "  -V, --version                print the version\n",
        "\nown options:\n",
        "      --spool DIR              where it goes\n"
        "                               (a second line)\n",
        "      --flag                   a switch\n",
        "      --count                  counted\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("--help lacks \"%s\" in:\n%s", want[i], text);
}

static void test_config_then_environment_then_flag(void **state)
{
    (void)state;
    char path[] = "/tmp/sb-test-worker-cli-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "[daemon]\nstate_dir = /srv/sb\n[notify]\nspool = x\n");
    fclose(f);
    own_opts o = {0};
    sb_worker_cli cli;
    char *argv[] = {"w", "--config", path, NULL};
    /* the state dir in the file gives both endpoints */
    assert_int_equal(parse(&o, &cli, 3, argv), 0);
    assert_string_equal(cli.endpoint, "ipc:///srv/sb/worker.sock");
    assert_string_equal(cli.command_endpoint, "ipc:///srv/sb/command.sock");
    /* an explicit endpoint in the file wins over the state dir */
    f = fopen(path, "a");
    fprintf(f, "[workers]\nendpoint = tcp://10.0.0.1:7401\n");
    fclose(f);
    assert_int_equal(parse(&o, &cli, 3, argv), 0);
    assert_string_equal(cli.endpoint, "tcp://10.0.0.1:7401");
    /* the environment over the file */
    setenv("SKILLBASE_WORKER_ENDPOINT", "ipc:///env/worker.sock", 1);
    setenv("SKILLBASE_ENDPOINT", "ipc:///env/command.sock", 1);
    assert_int_equal(parse(&o, &cli, 3, argv), 0);
    assert_string_equal(cli.endpoint, "ipc:///env/worker.sock");
    assert_string_equal(cli.command_endpoint, "ipc:///env/command.sock");
    /* the flag over everything */
    char *argv2[] = {"w", "--config", path, "--endpoint", "ipc:///flag.sock", NULL};
    assert_int_equal(parse(&o, &cli, 5, argv2), 0);
    assert_string_equal(cli.endpoint, "ipc:///flag.sock");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults_point_beside_the_build_state_dir, setup),
        cmocka_unit_test_setup(test_flags_and_own_options_are_taken, setup),
        cmocka_unit_test_setup(test_usage_errors_return_2, setup),
        cmocka_unit_test_setup(test_help_and_version_return_1, setup),
        cmocka_unit_test_setup(test_help_lists_every_flag_from_the_rows, setup),
        cmocka_unit_test_setup(test_config_then_environment_then_flag, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
