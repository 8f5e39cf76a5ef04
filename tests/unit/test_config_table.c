/* The configuration table (daemon/policy/config_keys.h, walked by
 * daemon/service/config_table.h): every row is well formed, its default is
 * what the daemon starts with, each type refuses what it should with a
 * reason naming the key, each value reads back, status reports the rows
 * marked as the bureau's choice, and the commented file it prints sets
 * nothing but the defaults. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bureau.h"
#include "config_table.h"

static bool section_known(const char *name)
{
    for (size_t i = 0; i < sb_config_n_sections; i++)
        if (strcmp(sb_config_sections[i].name, name) == 0)
            return true;
    return false;
}

static void every_row_is_well_formed(void **state)
{
    (void)state;
    assert_true(sb_config_n_keys > 50);
    for (size_t i = 0; i < sb_config_n_keys; i++) {
        const sb_config_key *k = &sb_config_keys[i];
        assert_true(section_known(k->section));
        /* one row per key */
        assert_ptr_equal(sb_config_key_find(k->section, k->key), k);
        switch (k->type) {
        case SB_CONFIG_UINT:
            assert_true(k->size == 4 || k->size == 8);
            assert_true(k->min <= k->max && k->scale >= 1);
            break;
        case SB_CONFIG_SWITCH:
        case SB_CONFIG_TEXT:
        case SB_CONFIG_CHOICE:
            assert_true(k->size > 0);
            break;
        case SB_CONFIG_DAYS:
            assert_int_equal(k->size, sizeof(uint32_t) * SB_REMIND_MAX);
            assert_non_null(k->what);
            break;
        case SB_CONFIG_LISTEN:
            assert_true(k->size > 0);
            assert_non_null(k->what);
            break;
        case SB_CONFIG_SPECIAL:
            assert_non_null(k->set);
            assert_non_null(k->show);
            assert_non_null(k->what);
            break;
        case SB_CONFIG_FOREIGN:
            assert_string_equal(k->section, "notify");
            break;
        }
        /* a reload can only keep what it can compare */
        if (k->flags & SB_CONFIG_START_ONLY)
            assert_true(k->size > 0);
        /* every key of the daemon's says what it is in one line */
        if (k->type != SB_CONFIG_FOREIGN)
            assert_non_null(k->line);
        /* a key without a default says what stands in for it */
        if (!k->def && k->type != SB_CONFIG_FOREIGN)
            assert_non_null(k->what);
    }
}

static void the_defaults_are_the_rows(void **state)
{
    (void)state;
    sb_config c, d;
    char err[512];
    sb_config_defaults(&c);
    /* applying every row's default again changes nothing */
    memcpy(&d, &c, sizeof d);
    for (size_t i = 0; i < sb_config_n_keys; i++)
        if (sb_config_keys[i].def)
            assert_int_equal(
                sb_config_key_set(&sb_config_keys[i], &d, sb_config_keys[i].def, err, sizeof err),
                0);
    assert_memory_equal(&c, &d, sizeof c);
    /* and they are the documented ones */
    assert_int_equal(c.map_size, (size_t)64 << 20);
    assert_int_equal(c.max_request_bytes, 1024 * 1024);
    assert_int_equal(c.log_level, SB_LOG_INFO);
    assert_int_equal(c.n_remind_days, 3);
    assert_int_equal(c.remind_days[0], 60);
    assert_int_equal(c.ipc_role, 0); /* operator */
    assert_string_equal(c.certificate_format, "HZPTB-{year}-{serial:3}");
    assert_false(c.rubric_items_set);
    assert_false(c.rubric_example_marked);
    assert_true(c.objection_suspends);
    assert_false(c.subsidy_refuse_example);
    assert_true(c.activity_reminders);
    assert_int_equal(sb_config_finish(&c, err, sizeof err), 0);
}

static void each_type_refuses_with_the_key_named(void **state)
{
    (void)state;
    sb_config c;
    char err[512];
    sb_config_defaults(&c);
    /* UINT: the range, scaled into its field */
    assert_int_equal(sb_config_set(&c, "daemon", "max_request_kb", "0", err, sizeof err), -1);
    assert_non_null(strstr(err, "[daemon] max_request_kb: \"0\""));
    assert_non_null(strstr(err, "1 to 65536"));
    assert_int_equal(sb_config_set(&c, "daemon", "max_request_kb", "2", err, sizeof err), 0);
    assert_int_equal(c.max_request_bytes, 2048);
    assert_int_equal(sb_config_set(&c, "security", "handshake_ms", "-5", err, sizeof err), -1);
    /* SWITCH */
    assert_int_equal(sb_config_set(&c, "four_eyes", "certify", "maybe", err, sizeof err), -1);
    assert_string_equal(err, "[four_eyes] certify: \"maybe\" is not on or off");
    assert_int_equal(sb_config_set(&c, "four_eyes", "certify", "yes", err, sizeof err), 0);
    assert_true(c.four_eyes_certify);
    /* CHOICE: into a bool and into an int */
    assert_int_equal(sb_config_set(&c, "rubric", "grade_on", "median", err, sizeof err), -1);
    assert_string_equal(err, "[rubric] grade_on: \"median\" is not one of total or base");
    assert_int_equal(sb_config_set(&c, "rubric", "grade_on", "base", err, sizeof err), 0);
    assert_true(c.rubric.grade_on_base);
    assert_int_equal(sb_config_set(&c, "daemon", "log_level", "debug", err, sizeof err), 0);
    assert_int_equal(c.log_level, SB_LOG_DEBUG);
    assert_int_equal(sb_config_set(&c, "daemon", "log_level", "loud", err, sizeof err), -1);
    assert_non_null(strstr(err, "error, warn, info or debug"));
    /* TEXT: empty where it must not be, too long */
    assert_int_equal(sb_config_set(&c, "daemon", "state_dir", "", err, sizeof err), -1);
    assert_string_equal(err, "[daemon] state_dir: empty");
    char longer[100];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(sb_config_set(&c, "certificate", "number", longer, err, sizeof err), -1);
    assert_string_equal(err, "[certificate] number: longer than 63 bytes");
    /* SPECIAL: the row's setter */
    assert_int_equal(sb_config_set(&c, "security", "ipc_role", "worker", err, sizeof err), -1);
    assert_non_null(strstr(err, "[security] ipc_role"));
    assert_int_equal(sb_config_set(&c, "metrics", "listen", "nowhere", err, sizeof err), -1);
    assert_non_null(strstr(err, "[metrics] listen"));
    /* unknown keys and sections; skillbase-notify's keys pass */
    assert_int_equal(sb_config_set(&c, "events", "colour", "red", err, sizeof err), -1);
    assert_string_equal(err, "[events] colour: unknown key");
    assert_int_equal(sb_config_set(&c, "paint", "colour", "red", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown section [paint] (expected daemon, store, rubric"));
    assert_int_equal(sb_config_set(&c, "notify", "smtp_url", "smtp://x:25", err, sizeof err), 0);
    assert_int_equal(sb_config_set(&c, "notify", "anything", "x", err, sizeof err), 0);
}

/* What status reports: each row's value as the file writes it, which the
 * parser takes back unchanged; the bureau's choices are the rows marked so,
 * by the name status gives them, and a key set shows its new value. */
static void each_value_reads_back_and_status_lists_the_bureaus_rows(void **state)
{
    (void)state;
    sb_config c, d;
    char err[512], v[256];
    sb_config_defaults(&c);
    assert_int_equal(sb_config_finish(&c, err, sizeof err), 0);
    memcpy(&d, &c, sizeof d);
    size_t bureau = 0;
    for (size_t i = 0; i < sb_config_n_keys; i++) {
        const sb_config_key *k = &sb_config_keys[i];
        if (k->type == SB_CONFIG_FOREIGN)
            continue;
        sb_config_key_value(k, &c, v, sizeof v);
        if (k->def && strcmp(k->def, "") != 0 && k->type != SB_CONFIG_SWITCH)
            assert_string_equal(v, k->def);
        if (*v || !(k->flags & SB_CONFIG_NONEMPTY))
            assert_int_equal(sb_config_key_set(k, &d, v, err, sizeof err), 0);
        bureau += (k->flags & SB_CONFIG_BUREAU) != 0;
    }
    assert_memory_equal(&c, &d, sizeof c);
    /* status: one row per key marked as the bureau's choice, then the
     * rubric's maxima together */
    size_t n = sb_bureau_choices(&c, NULL, 0);
    assert_int_equal(n, bureau + 1);
    sb_bureau_choice *rows = calloc(n, sizeof *rows);
    assert_non_null(rows);
    assert_int_equal(sb_bureau_choices(&c, rows, n), n);
    size_t r = 0;
    for (size_t i = 0; i < sb_config_n_keys; i++) {
        const sb_config_key *k = &sb_config_keys[i];
        if (!(k->flags & SB_CONFIG_BUREAU))
            continue;
        char by[128];
        snprintf(by, sizeof by, "configuration [%s] %s (the bureau's choice)", k->section, k->key);
        assert_string_equal(rows[r].decided_by, by);
        sb_config_key_value(k, &c, v, sizeof v);
        assert_string_equal(rows[r].value, v);
        r++;
    }
    assert_string_equal(rows[n - 1].name, "rubric_maxima");
    assert_string_equal(rows[n - 1].value, "25,20,25,30,10,10");
    /* the names status has always used stay */
    assert_string_equal(rows[0].name, "rubric_example");
    assert_int_equal(sb_config_set(&c, "publicity", "working_days", "7", err, sizeof err), 0);
    assert_int_equal(sb_config_set(&c, "activity", "due", "06-30", err, sizeof err), 0);
    assert_int_equal(sb_bureau_choices(&c, rows, n), n);
    bool days = false, due = false, suspends = false;
    for (size_t i = 0; i < n; i++) {
        days |=
            strcmp(rows[i].name, "publicity_working_days") == 0 && strcmp(rows[i].value, "7") == 0;
        due |= strcmp(rows[i].name, "activity_due") == 0 && strcmp(rows[i].value, "06-30") == 0;
        suspends |=
            strcmp(rows[i].name, "objection_suspends") == 0 && strcmp(rows[i].value, "on") == 0;
    }
    assert_true(days && due && suspends);
    free(rows);
}

/* Setting a [rubric] item means the bureau chose its split. */
static void a_rubric_item_set_is_the_bureaus_split(void **state)
{
    (void)state;
    sb_config c;
    char err[256];
    sb_config_defaults(&c);
    assert_int_equal(sb_config_set(&c, "rubric", "public_service", "30", err, sizeof err), 0);
    assert_true(c.rubric_items_set);
}

/* The commented file sets only the defaults (and marks the shipped rubric
 * split as the EXAMPLE it is). */
static void the_printed_file_sets_the_defaults(void **state)
{
    (void)state;
    char dir[SB_TK_DIR_MAX], path[SB_TK_DIR_MAX + 32], err[512];
    sb_tk_tmpdir(dir, "config-table");
    snprintf(path, sizeof path, "%s/skillbase.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    sb_config_print_ini(f);
    assert_int_equal(fclose(f), 0);
    sb_config printed, defaults;
    sb_config_defaults(&printed);
    sb_config_defaults(&defaults);
    assert_int_equal(sb_config_load(&printed, path, err, sizeof err), 0);
    assert_true(printed.rubric_example_marked);
    assert_true(printed.rubric_items_set);
    defaults.rubric_example_marked = defaults.rubric_items_set = true;
    assert_memory_equal(&printed, &defaults, sizeof printed);
    assert_int_equal(sb_tk_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_row_is_well_formed),
        cmocka_unit_test(the_defaults_are_the_rows),
        cmocka_unit_test(each_type_refuses_with_the_key_named),
        cmocka_unit_test(each_value_reads_back_and_status_lists_the_bureaus_rows),
        cmocka_unit_test(a_rubric_item_set_is_the_bureaus_split),
        cmocka_unit_test(the_printed_file_sets_the_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
