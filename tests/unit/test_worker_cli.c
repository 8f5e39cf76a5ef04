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

enum { OPT_SPOOL = 1000, OPT_FLAG };

typedef struct {
    const char *spool;
    int flag;
    int calls;
} own_opts;

static int on_option(int val, const char *arg, void *p)
{
    own_opts *o = p;
    o->calls++;
    if (val == OPT_SPOOL) {
        if (!arg[0])
            return -1;
        o->spool = arg;
    } else if (val == OPT_FLAG) {
        o->flag = 1;
    }
    return 0;
}

static const struct option own[] = {
    {"spool", required_argument, NULL, OPT_SPOOL},
    {"flag", no_argument, NULL, OPT_FLAG},
    {NULL, 0, NULL, 0},
};

static int parse(own_opts *o, sb_worker_cli *cli, int argc, char **argv)
{
    sb_worker_cli_spec spec = {.program = "test",
                               .summary = "a test",
                               .options = own,
                               .options_help = "      --spool DIR\n",
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
                    NULL};
    assert_int_equal(parse(&o, &cli, 12, argv), 0);
    assert_string_equal(cli.endpoint, "tcp://127.0.0.1:5");
    assert_string_equal(cli.command_endpoint, "tcp://127.0.0.1:6");
    assert_string_equal(cli.name, "n1");
    assert_int_equal(cli.log_level, SB_LOG_DEBUG);
    assert_string_equal(o.spool, "/s");
    assert_int_equal(o.flag, 1);
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
        cmocka_unit_test_setup(test_config_then_environment_then_flag, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
