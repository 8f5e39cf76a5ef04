/* Ingest's mapping table (ingest_map.c), row by row: which transition or
 * record each reported fact type becomes for each kind of record, that every
 * row names a write command of the command table, and the refusals of kinds
 * and types the table does not know. The command itself is proved through
 * the request path by test_ingest.c. */
#include "sb_testkit.h"

#include <string.h>

#include "handlers.h"
#include "ingest_map.h"
#include "rules.h"

static void every_type_maps_to_its_transition(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        Skillbase__Kind kind;
        sb_ingest_effect effect;
        Skillbase__Request__CommandCase command;
        Skillbase__Cause cause;
    } want[] = {
        {"objection.filed", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, 0},
        {"objection.dismissed", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, 0},
        {"objection.upheld", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_UPHOLD_OBJECTION, 0},
        {"unit.deregistered", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__UNIT_DEREGISTERED},
        {"unit.deregistered", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REJECT, 0},
        {"complaint.verified", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__VERIFIED_COMPLAINT},
        {"safety.major_accident", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__MAJOR_SAFETY_ACCIDENT},
        {"violation.confirmed", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__VIOLATION},
        {"assessment.refused", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__REFUSED_ASSESSMENT},
        {"competition.hosted", SKILLBASE__KIND__BASE, SB_INGEST_NOTE, 0, 0},
        {"service.delivered", SKILLBASE__KIND__BASE, SB_INGEST_SERVICE, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const sb_ingest_rule *r = sb_ingest_map_find(want[i].type, want[i].kind);
        assert_non_null(r);
        assert_string_equal(r->type, want[i].type);
        assert_int_equal(r->kind, want[i].kind);
        assert_int_equal(r->effect, want[i].effect);
        assert_int_equal(r->command, want[i].command);
        assert_int_equal(r->cause, want[i].cause);
        assert_true(sb_ingest_type_known(want[i].type));
    }
    size_t n;
    sb_ingest_map_table(&n);
    assert_int_equal(n, sizeof want / sizeof want[0]);
}

static void table_rows_are_consistent(void **state)
{
    (void)state;
    size_t n;
    const sb_ingest_rule *t = sb_ingest_map_table(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].action);
        if (t[i].effect == SB_INGEST_COMMAND) {
            /* a command of the command table, run as an operator's */
            const sb_command *cmd = sb_command_find(t[i].command);
            assert_non_null(cmd);
            assert_true(cmd->write);
            assert_string_equal(cmd->name, t[i].action);
            assert_int_equal(t[i].payload, SKILLBASE__INGEST__PAYLOAD__NOT_SET);
            if (t[i].command == SKILLBASE__REQUEST__COMMAND_REVOKE)
                assert_true(sb_rules_revoke_cause_ok(t[i].cause));
            else
                assert_int_equal(t[i].cause, 0);
        } else {
            /* facts without a transition carry their payload */
            assert_non_null(t[i].note);
            assert_int_not_equal(t[i].payload, SKILLBASE__INGEST__PAYLOAD__NOT_SET);
            assert_int_equal(t[i].kind, SKILLBASE__KIND__BASE);
        }
        /* at most one row per type and kind */
        for (size_t j = i + 1; j < n; j++)
            assert_false(strcmp(t[i].type, t[j].type) == 0 && t[i].kind == t[j].kind);
    }
}

static void wrong_kind_and_unknown_types(void **state)
{
    (void)state;
    /* no row for the kind: the type's first row, so the machine refuses */
    const sb_ingest_rule *r = sb_ingest_map_find("objection.filed", SKILLBASE__KIND__BASE);
    assert_non_null(r);
    assert_int_equal(r->command, SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION);
    r = sb_ingest_map_find("safety.major_accident", SKILLBASE__KIND__APPLICATION);
    assert_non_null(r);
    assert_int_equal(r->command, SKILLBASE__REQUEST__COMMAND_REVOKE);
    assert_null(sb_ingest_map_find("unit.exploded", SKILLBASE__KIND__BASE));
    assert_null(sb_ingest_map_find("", SKILLBASE__KIND__BASE));
    assert_null(sb_ingest_map_find(NULL, SKILLBASE__KIND__BASE));
    assert_null(sb_ingest_map_find("UNIT.DEREGISTERED", SKILLBASE__KIND__BASE));
    assert_false(sb_ingest_type_known("objection"));
    char buf[512];
    assert_string_equal(sb_ingest_types(buf, sizeof buf),
                        "objection.filed, objection.dismissed, objection.upheld, "
                        "unit.deregistered, complaint.verified, safety.major_accident, "
                        "violation.confirmed, assessment.refused, competition.hosted, "
                        "service.delivered");
    sb_ingest_types(buf, 20);
    assert_true(strlen(buf) < 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_maps_to_its_transition),
        cmocka_unit_test(table_rows_are_consistent),
        cmocka_unit_test(wrong_kind_and_unknown_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
