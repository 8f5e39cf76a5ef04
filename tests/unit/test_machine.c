/* sb_machine: every allowed transition, written out here independently of
 * the table, and the refusals operators see. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "machine.h"

#define APP SKILLBASE__KIND__APPLICATION
#define BASE SKILLBASE__KIND__BASE
#define NEW SKILLBASE__STATE__STATE_UNSPECIFIED
#define APPLIED SKILLBASE__STATE__APPLIED
#define UNDER_REVIEW SKILLBASE__STATE__UNDER_REVIEW
#define IN_PUBLICITY SKILLBASE__STATE__IN_PUBLICITY
#define CERTIFIED SKILLBASE__STATE__CERTIFIED
#define REJECTED SKILLBASE__STATE__REJECTED
#define WITHDRAWN SKILLBASE__STATE__WITHDRAWN
#define ASSESSED SKILLBASE__STATE__ASSESSED
#define REVOKED SKILLBASE__STATE__REVOKED
#define EXITED SKILLBASE__STATE__EXITED

#define NONE SB_GUARD_NONE
#define NO_OBJ SB_GUARD_NO_OPEN_OBJECTION
#define OBJ SB_GUARD_OPEN_OBJECTION

/* ------------------------------------------------------------ allowed */

/* Finds the row with every objection flag its guard admits, and checks
 * that the flag its guard forbids is refused. */
static void expect_allowed(Skillbase__Kind kind, sb_action action, Skillbase__State from,
                           Skillbase__State to, sb_guard guard, unsigned effects)
{
    for (int open = 0; open <= 1; open++) {
        bool admitted = guard == NONE || (guard == OBJ) == (bool)open;
        char why[256] = "";
        const sb_transition *t = sb_machine_find(kind, "id-1", from, open, action, why, sizeof why);
        if (!admitted) {
            assert_null(t);
            continue;
        }
        if (!t)
            fail_msg("refused with objection_open=%d: %s", open, why);
        assert_int_equal(t->kind, kind);
        assert_int_equal(t->action, action);
        assert_int_equal(t->from, from);
        assert_int_equal(t->to, to);
        assert_int_equal(t->guard, guard);
        assert_int_equal(t->effects, effects);
    }
}

#define ALLOWED(test, kind, action, from, to, guard, effects)                                      \
    static void test(void **state)                                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        expect_allowed(kind, action, from, to, guard, effects);                                    \
    }

ALLOWED(apply_creates_an_applied_application, APP, SB_ACT_APPLY, NEW, APPLIED, NONE, 0)
ALLOWED(review_moves_applied_to_under_review, APP, SB_ACT_REVIEW, APPLIED, UNDER_REVIEW, NONE, 0)
ALLOWED(evaluate_pass_starts_publicity_without_open_objection, APP, SB_ACT_EVALUATE_PASS,
        UNDER_REVIEW, IN_PUBLICITY, NO_OBJ, SB_FX_START_PUBLICITY)
ALLOWED(evaluate_fail_rejects_without_open_objection, APP, SB_ACT_EVALUATE_FAIL, UNDER_REVIEW,
        REJECTED, NO_OBJ, SB_FX_DECIDED)
ALLOWED(objection_sends_publicity_back_to_review, APP, SB_ACT_FILE_OBJECTION, IN_PUBLICITY,
        UNDER_REVIEW, NONE, SB_FX_OPEN_OBJECTION)
ALLOWED(dismissed_objection_restarts_publicity, APP, SB_ACT_DISMISS_OBJECTION, UNDER_REVIEW,
        IN_PUBLICITY, OBJ, SB_FX_CLOSE_OBJECTION | SB_FX_START_PUBLICITY)
ALLOWED(upheld_objection_rejects, APP, SB_ACT_UPHOLD_OBJECTION, UNDER_REVIEW, REJECTED, OBJ,
        SB_FX_CLOSE_OBJECTION | SB_FX_DECIDED)
ALLOWED(close_publicity_certifies_and_creates_the_base, APP, SB_ACT_CLOSE_PUBLICITY, IN_PUBLICITY,
        CERTIFIED, NO_OBJ, SB_FX_CREATE_BASE | SB_FX_DECIDED)
ALLOWED(reject_ends_an_applied_application, APP, SB_ACT_REJECT, APPLIED, REJECTED, NONE,
        SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION)
ALLOWED(reject_ends_an_application_under_review, APP, SB_ACT_REJECT, UNDER_REVIEW, REJECTED, NONE,
        SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION)
ALLOWED(reject_ends_an_application_in_publicity, APP, SB_ACT_REJECT, IN_PUBLICITY, REJECTED, NONE,
        SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION)
ALLOWED(withdraw_ends_an_applied_application, APP, SB_ACT_WITHDRAW, APPLIED, WITHDRAWN, NONE,
        SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION)
ALLOWED(withdraw_ends_an_application_under_review, APP, SB_ACT_WITHDRAW, UNDER_REVIEW, WITHDRAWN,
        NONE, SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION)
ALLOWED(withdraw_ends_an_application_in_publicity, APP, SB_ACT_WITHDRAW, IN_PUBLICITY, WITHDRAWN,
        NONE, SB_FX_DECIDED | SB_FX_CLOSE_OBJECTION)
ALLOWED(certify_creates_a_certified_base, BASE, SB_ACT_CERTIFY_BASE, NEW, CERTIFIED, NONE, 0)
ALLOWED(passed_first_assessment_makes_the_base_assessed, BASE, SB_ACT_ASSESS_PASS, CERTIFIED,
        ASSESSED, NONE, SB_FX_RECORD_ASSESSMENT)
ALLOWED(passed_later_assessment_keeps_the_base_assessed, BASE, SB_ACT_ASSESS_PASS, ASSESSED,
        ASSESSED, NONE, SB_FX_RECORD_ASSESSMENT)
ALLOWED(failed_first_assessment_revokes_and_withdraws_the_plaque, BASE, SB_ACT_ASSESS_FAIL,
        CERTIFIED, REVOKED, NONE, SB_FX_RECORD_ASSESSMENT | SB_FX_WITHDRAW_PLAQUE)
ALLOWED(failed_later_assessment_revokes_and_withdraws_the_plaque, BASE, SB_ACT_ASSESS_FAIL,
        ASSESSED, REVOKED, NONE, SB_FX_RECORD_ASSESSMENT | SB_FX_WITHDRAW_PLAQUE)
ALLOWED(revoke_ends_a_certified_base, BASE, SB_ACT_REVOKE, CERTIFIED, REVOKED, NONE,
        SB_FX_WITHDRAW_PLAQUE)
ALLOWED(revoke_ends_an_assessed_base, BASE, SB_ACT_REVOKE, ASSESSED, REVOKED, NONE,
        SB_FX_WITHDRAW_PLAQUE)
ALLOWED(exit_ends_a_certified_base, BASE, SB_ACT_EXIT, CERTIFIED, EXITED, NONE, 0)
ALLOWED(exit_ends_an_assessed_base, BASE, SB_ACT_EXIT, ASSESSED, EXITED, NONE, 0)

/* The list above is the whole machine: no row beyond those 23. */
static void table_has_exactly_the_listed_transitions(void **state)
{
    (void)state;
    size_t n = 0;
    const sb_transition *t = sb_machine_table(&n);
    assert_non_null(t);
    assert_int_equal(n, 23);
}

/* ------------------------------------------------------------ refused */

static void expect_refused(Skillbase__Kind kind, const char *id, Skillbase__State from,
                           bool objection_open, sb_action action, const char *message)
{
    char why[256];
    memset(why, 'x', sizeof why);
    assert_null(sb_machine_find(kind, id, from, objection_open, action, why, sizeof why));
    assert_string_equal(why, message);
}

static void review_twice_is_refused_naming_the_next_steps(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", UNDER_REVIEW, false, SB_ACT_REVIEW,
                   "application app-000001 is under_review; allowed: evaluate, reject, withdraw");
}

static void evaluate_before_review_is_refused(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", APPLIED, false, SB_ACT_EVALUATE_PASS,
                   "application app-000001 is applied; allowed: review, reject, withdraw");
}

static void apply_on_an_existing_application_is_refused(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", APPLIED, false, SB_ACT_APPLY,
                   "application app-000001 is applied; allowed: review, reject, withdraw");
}

static void close_publicity_during_review_is_refused(void **state)
{
    (void)state;
    expect_refused(APP, "app-000007", UNDER_REVIEW, false, SB_ACT_CLOSE_PUBLICITY,
                   "application app-000007 is under_review; allowed: evaluate, reject, withdraw");
}

static void review_during_publicity_is_refused_naming_object_and_close(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", IN_PUBLICITY, false, SB_ACT_REVIEW,
                   "application app-000001 is in_publicity; allowed: object, close-publicity, "
                   "reject, withdraw");
}

static void evaluate_with_an_open_objection_is_refused(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", UNDER_REVIEW, true, SB_ACT_EVALUATE_PASS,
                   "application app-000001 is under_review with an objection open; allowed: "
                   "dismiss-objection, uphold-objection, reject, withdraw");
    expect_refused(APP, "app-000001", UNDER_REVIEW, true, SB_ACT_EVALUATE_FAIL,
                   "application app-000001 is under_review with an objection open; allowed: "
                   "dismiss-objection, uphold-objection, reject, withdraw");
}

static void dismiss_without_an_objection_is_refused(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", UNDER_REVIEW, false, SB_ACT_DISMISS_OBJECTION,
                   "application app-000001 is under_review with no objection open; allowed: "
                   "evaluate, reject, withdraw");
    expect_refused(APP, "app-000001", UNDER_REVIEW, false, SB_ACT_UPHOLD_OBJECTION,
                   "application app-000001 is under_review with no objection open; allowed: "
                   "evaluate, reject, withdraw");
}

static void close_publicity_with_an_open_objection_is_refused(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", IN_PUBLICITY, true, SB_ACT_CLOSE_PUBLICITY,
                   "application app-000001 is in_publicity with an objection open; allowed: "
                   "object, reject, withdraw");
}

static void nothing_is_allowed_on_a_rejected_application(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", REJECTED, false, SB_ACT_REJECT,
                   "application app-000001 is rejected; no further action is allowed");
    expect_refused(APP, "app-000001", REJECTED, false, SB_ACT_REVIEW,
                   "application app-000001 is rejected; no further action is allowed");
}

static void nothing_is_allowed_on_a_withdrawn_application(void **state)
{
    (void)state;
    expect_refused(APP, "app-000002", WITHDRAWN, false, SB_ACT_WITHDRAW,
                   "application app-000002 is withdrawn; no further action is allowed");
}

static void certified_application_cannot_be_withdrawn_or_assessed(void **state)
{
    (void)state;
    expect_refused(APP, "app-000003", CERTIFIED, false, SB_ACT_WITHDRAW,
                   "application app-000003 is certified; no further action is allowed");
    expect_refused(APP, "app-000003", CERTIFIED, false, SB_ACT_ASSESS_PASS,
                   "application app-000003 is certified; no further action is allowed");
}

static void application_verbs_are_refused_on_a_base(void **state)
{
    (void)state;
    expect_refused(BASE, "base-000001", CERTIFIED, false, SB_ACT_REJECT,
                   "base base-000001 is certified; allowed: assess, revoke, exit");
    expect_refused(BASE, "base-000001", ASSESSED, false, SB_ACT_WITHDRAW,
                   "base base-000001 is assessed; allowed: assess, revoke, exit");
}

static void certify_on_an_existing_base_is_refused(void **state)
{
    (void)state;
    expect_refused(BASE, "base-000001", CERTIFIED, false, SB_ACT_CERTIFY_BASE,
                   "base base-000001 is certified; allowed: assess, revoke, exit");
}

static void nothing_is_allowed_on_a_revoked_base(void **state)
{
    (void)state;
    expect_refused(BASE, "base-000001", REVOKED, false, SB_ACT_ASSESS_PASS,
                   "base base-000001 is revoked; no further action is allowed");
    expect_refused(BASE, "base-000001", REVOKED, false, SB_ACT_REVOKE,
                   "base base-000001 is revoked; no further action is allowed");
}

static void out_of_range_action_is_refused(void **state)
{
    (void)state;
    expect_refused(APP, "app-000001", APPLIED, false, SB_ACT_MAX_,
                   "application app-000001 is applied; allowed: review, reject, withdraw");
}

static void refusal_message_is_cut_to_the_buffer(void **state)
{
    (void)state;
    char why[16];
    assert_null(
        sb_machine_find(APP, "app-000001", REJECTED, false, SB_ACT_REVIEW, why, sizeof why));
    assert_string_equal(why, "application app");
    assert_null(sb_machine_find(APP, "app-000001", REJECTED, false, SB_ACT_REVIEW, NULL, 0));
}

/* ------------------------------------------------------------ names */

static void actions_have_the_verbs_operators_type(void **state)
{
    (void)state;
    static const char *const want[SB_ACT_MAX_] = {
        "apply",
        "review",
        "evaluate",
        "evaluate",
        "object",
        "dismiss-objection",
        "uphold-objection",
        "close-publicity",
        "reject",
        "withdraw",
        "certify",
        "assess",
        "assess",
        "revoke",
        "exit",
    };
    for (int a = 0; a < SB_ACT_MAX_; a++)
        assert_string_equal(sb_action_name((sb_action)a), want[a]);
    assert_string_equal(sb_action_name(SB_ACT_MAX_), "unknown");
}

static void states_have_their_lower_case_proto_names(void **state)
{
    (void)state;
    assert_string_equal(sb_state_name(APPLIED), "applied");
    assert_string_equal(sb_state_name(UNDER_REVIEW), "under_review");
    assert_string_equal(sb_state_name(IN_PUBLICITY), "in_publicity");
    assert_string_equal(sb_state_name(CERTIFIED), "certified");
    assert_string_equal(sb_state_name(REJECTED), "rejected");
    assert_string_equal(sb_state_name(WITHDRAWN), "withdrawn");
    assert_string_equal(sb_state_name(ASSESSED), "assessed");
    assert_string_equal(sb_state_name(REVOKED), "revoked");
    assert_string_equal(sb_state_name(EXITED), "exited");
    assert_string_equal(sb_state_name(NEW), "state_unspecified");
    assert_string_equal(sb_state_name((Skillbase__State)10), "unknown");
    assert_string_equal(sb_state_name((Skillbase__State)-1), "unknown");
}

static void kinds_have_their_lower_case_names(void **state)
{
    (void)state;
    assert_string_equal(sb_kind_name(APP), "application");
    assert_string_equal(sb_kind_name(BASE), "base");
    assert_string_equal(sb_kind_name((Skillbase__Kind)3), "unknown");
}

/* ------------------------------------------------------------ terminal */

static void rejected_withdrawn_and_certified_applications_are_terminal(void **state)
{
    (void)state;
    assert_true(sb_machine_is_terminal(APP, REJECTED));
    assert_true(sb_machine_is_terminal(APP, WITHDRAWN));
    assert_true(sb_machine_is_terminal(APP, CERTIFIED));
}

static void open_applications_are_not_terminal(void **state)
{
    (void)state;
    assert_false(sb_machine_is_terminal(APP, APPLIED));
    assert_false(sb_machine_is_terminal(APP, UNDER_REVIEW));
    assert_false(sb_machine_is_terminal(APP, IN_PUBLICITY));
}

static void only_a_revoked_base_is_terminal(void **state)
{
    (void)state;
    assert_false(sb_machine_is_terminal(BASE, CERTIFIED));
    assert_false(sb_machine_is_terminal(BASE, ASSESSED));
    assert_true(sb_machine_is_terminal(BASE, REVOKED));
}

static void an_exited_base_is_terminal_and_refuses_everything(void **state)
{
    (void)state;
    char why[256];
    assert_true(sb_machine_is_terminal(BASE, EXITED));
    assert_null(
        sb_machine_find(BASE, "base-000001", EXITED, false, SB_ACT_REVOKE, why, sizeof why));
    assert_string_equal(why, "base base-000001 is exited; no further action is allowed");
    assert_null(sb_machine_find(BASE, "base-000001", REVOKED, false, SB_ACT_EXIT, why, sizeof why));
    assert_string_equal(why, "base base-000001 is revoked; no further action is allowed");
}

static void no_state_yet_is_not_terminal(void **state)
{
    (void)state;
    assert_false(sb_machine_is_terminal(APP, NEW));
    assert_false(sb_machine_is_terminal(BASE, NEW));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apply_creates_an_applied_application),
        cmocka_unit_test(review_moves_applied_to_under_review),
        cmocka_unit_test(evaluate_pass_starts_publicity_without_open_objection),
        cmocka_unit_test(evaluate_fail_rejects_without_open_objection),
        cmocka_unit_test(objection_sends_publicity_back_to_review),
        cmocka_unit_test(dismissed_objection_restarts_publicity),
        cmocka_unit_test(upheld_objection_rejects),
        cmocka_unit_test(close_publicity_certifies_and_creates_the_base),
        cmocka_unit_test(reject_ends_an_applied_application),
        cmocka_unit_test(reject_ends_an_application_under_review),
        cmocka_unit_test(reject_ends_an_application_in_publicity),
        cmocka_unit_test(withdraw_ends_an_applied_application),
        cmocka_unit_test(withdraw_ends_an_application_under_review),
        cmocka_unit_test(withdraw_ends_an_application_in_publicity),
        cmocka_unit_test(certify_creates_a_certified_base),
        cmocka_unit_test(passed_first_assessment_makes_the_base_assessed),
        cmocka_unit_test(passed_later_assessment_keeps_the_base_assessed),
        cmocka_unit_test(failed_first_assessment_revokes_and_withdraws_the_plaque),
        cmocka_unit_test(failed_later_assessment_revokes_and_withdraws_the_plaque),
        cmocka_unit_test(revoke_ends_a_certified_base),
        cmocka_unit_test(revoke_ends_an_assessed_base),
        cmocka_unit_test(exit_ends_a_certified_base),
        cmocka_unit_test(exit_ends_an_assessed_base),
        cmocka_unit_test(table_has_exactly_the_listed_transitions),
        cmocka_unit_test(review_twice_is_refused_naming_the_next_steps),
        cmocka_unit_test(evaluate_before_review_is_refused),
        cmocka_unit_test(apply_on_an_existing_application_is_refused),
        cmocka_unit_test(close_publicity_during_review_is_refused),
        cmocka_unit_test(review_during_publicity_is_refused_naming_object_and_close),
        cmocka_unit_test(evaluate_with_an_open_objection_is_refused),
        cmocka_unit_test(dismiss_without_an_objection_is_refused),
        cmocka_unit_test(close_publicity_with_an_open_objection_is_refused),
        cmocka_unit_test(nothing_is_allowed_on_a_rejected_application),
        cmocka_unit_test(nothing_is_allowed_on_a_withdrawn_application),
        cmocka_unit_test(certified_application_cannot_be_withdrawn_or_assessed),
        cmocka_unit_test(application_verbs_are_refused_on_a_base),
        cmocka_unit_test(certify_on_an_existing_base_is_refused),
        cmocka_unit_test(nothing_is_allowed_on_a_revoked_base),
        cmocka_unit_test(out_of_range_action_is_refused),
        cmocka_unit_test(refusal_message_is_cut_to_the_buffer),
        cmocka_unit_test(actions_have_the_verbs_operators_type),
        cmocka_unit_test(states_have_their_lower_case_proto_names),
        cmocka_unit_test(kinds_have_their_lower_case_names),
        cmocka_unit_test(rejected_withdrawn_and_certified_applications_are_terminal),
        cmocka_unit_test(open_applications_are_not_terminal),
        cmocka_unit_test(only_a_revoked_base_is_terminal),
        cmocka_unit_test(an_exited_base_is_terminal_and_refuses_everything),
        cmocka_unit_test(no_state_yet_is_not_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
