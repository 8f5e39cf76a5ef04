/* Notice templates: the file format (headers, body, comments, CRLF and a
 * byte-order mark accepted), every malformed file refused with its name
 * and line, and the selection of a template by topic and action. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sb_testkit.h"

#include "notify_templates.h"

typedef struct {
    char dir[SB_TK_DIR_MAX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    sb_tk_tmpdir(f->dir, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int r = sb_tk_rmtree(f->dir);
    free(f);
    return r;
}

static void put(const fixture *f, const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(len, fwrite(text, 1, len, out));
    fclose(out);
}

static void write_file(const fixture *f, const char *name, const char *text)
{
    put(f, name, text, strlen(text));
}

/* Loading fails and the error contains each of the given strings. */
static void load_fails(const fixture *f, const char *want1, const char *want2)
{
    sb_templates *t = NULL;
    char err[512];
    assert_int_equal(-1, sb_templates_load(f->dir, &t, err, sizeof err));
    assert_null(t);
    if (!strstr(err, want1) || (want2 && !strstr(err, want2)))
        fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err, want1, want2 ? want2 : "");
}

static sb_templates *load_ok(const fixture *f)
{
    sb_templates *t = NULL;
    char err[512] = "";
    if (sb_templates_load(f->dir, &t, err, sizeof err))
        fail_msg("load failed: %s", err);
    return t;
}

static void test_a_template_file_is_parsed(void **state)
{
    fixture *f = *state;
    write_file(f, "review.txt",
               "# a comment\n"
               "topic: application.under_review\n"
               "action: review, start_review\n"
               "subject:  进入评审 {application.id}  \n"
               "to: operators\n"
               "\n"
               "\n"
               "正文 {application.id}\n"
               "# not a comment in the body\n"
               "\n\n");
    write_file(f, "README", "not a template");
    write_file(f, "notes.txt~", "an editor backup");
    sb_templates *t = load_ok(f);
    assert_int_equal(1, sb_templates_count(t));
    const sb_notice_template *x = sb_templates_get(t, 0);
    assert_string_equal("review", x->name);
    assert_string_equal("application.under_review", x->topic);
    assert_int_equal(2, x->action_count);
    assert_string_equal("review", x->actions[0]);
    assert_string_equal("start_review", x->actions[1]);
    assert_string_equal("进入评审 {application.id}", x->subject);
    assert_false(x->to_applicant);
    assert_true(x->to_operators);
    assert_string_equal("正文 {application.id}\n# not a comment in the body\n", x->body);
    assert_null(sb_templates_get(t, 1));
    sb_templates_free(&t);
    assert_null(t);
}

static void test_crlf_and_byte_order_mark_are_accepted(void **state)
{
    fixture *f = *state;
    write_file(f, "win.txt",
               "\xEF\xBB\xBFtopic: base.revoked\r\nsubject: 撤销\r\n\r\n第一行\r\n第二行\r\n");
    sb_templates *t = load_ok(f);
    const sb_notice_template *x = sb_templates_get(t, 0);
    assert_string_equal("base.revoked", x->topic);
    assert_string_equal("撤销", x->subject);
    assert_string_equal("第一行\n第二行\n", x->body);
    assert_true(x->to_applicant && x->to_operators); /* the default */
    sb_templates_free(&t);
}

static void test_selection_prefers_the_action_then_any_action(void **state)
{
    fixture *f = *state;
    write_file(f, "a.txt", "topic: application.under_review\naction: review\nsubject: s\n\nb\n");
    write_file(f, "b.txt",
               "topic: application.under_review\naction: file_objection\nsubject: s\n\nb\n");
    write_file(f, "c.txt", "topic: base.revoked\nsubject: s\n\nb\n");
    write_file(f, "d.txt", "topic: base.assessed\naction: assess\nsubject: s\n\nb\n");
    write_file(f, "e.txt", "topic: base.assessed\nsubject: s\n\nb\n");
    sb_templates *t = load_ok(f);
    assert_string_equal("a", sb_templates_select(t, "application.under_review", "review")->name);
    assert_string_equal("b",
                        sb_templates_select(t, "application.under_review", "file_objection")->name);
    assert_null(sb_templates_select(t, "application.under_review", "dismiss_objection"));
    assert_null(sb_templates_select(t, "application.under_review", ""));
    assert_null(sb_templates_select(t, "application.under_review", NULL));
    assert_string_equal("c", sb_templates_select(t, "base.revoked", "revoke")->name);
    assert_string_equal("c", sb_templates_select(t, "base.revoked", NULL)->name);
    assert_string_equal("d", sb_templates_select(t, "base.assessed", "assess")->name);
    assert_string_equal("e", sb_templates_select(t, "base.assessed", "other")->name);
    assert_null(sb_templates_select(t, "base.unknown", "x"));
    assert_null(sb_templates_select(t, "base", NULL));
    assert_null(sb_templates_select(NULL, "base.revoked", NULL));
    sb_templates_free(&t);
}

static void test_missing_headers_are_refused(void **state)
{
    fixture *f = *state;
    write_file(f, "x.txt", "subject: s\n\nbody\n");
    load_fails(f, "x.txt", "missing header \"topic:\"");
    write_file(f, "x.txt", "topic: a.b\n\nbody\n");
    load_fails(f, "x.txt", "missing header \"subject:\"");
}

static void test_unknown_or_repeated_headers_are_refused_with_the_line(void **state)
{
    fixture *f = *state;
    write_file(f, "x.txt", "topic: a.b\n# c\nsubjet: s\n\nbody\n");
    load_fails(f, "x.txt:3", "unknown header \"subjet\"");
    write_file(f, "x.txt", "topic: a.b\ntopic: a.c\nsubject: s\n\nbody\n");
    load_fails(f, "x.txt:2", "given twice");
    write_file(f, "x.txt", "topic: a.b\nsubject s\n\nbody\n");
    load_fails(f, "x.txt:2", "key: value");
    write_file(f, "x.txt", "topic: a.b\nsubject: s\nto: everyone\n\nbody\n");
    load_fails(f, "x.txt:3", "\"everyone\"");
    write_file(f, "x.txt", "topic:\nsubject: s\n\nbody\n");
    load_fails(f, "x.txt:1", "empty");
}

static void test_bodies_must_exist_and_follow_an_empty_line(void **state)
{
    fixture *f = *state;
    write_file(f, "x.txt", "topic: a.b\nsubject: s\n\n\n  \n");
    load_fails(f, "x.txt", "body is empty");
    write_file(f, "x.txt", "topic: a.b\nsubject: s");
    load_fails(f, "x.txt", "no empty line");
}

static void test_malformed_placeholders_are_refused_at_load(void **state)
{
    fixture *f = *state;
    write_file(f, "x.txt", "topic: a.b\nsubject: {base.name\n\nbody\n");
    load_fails(f, "x.txt", "subject");
    write_file(f, "x.txt", "topic: a.b\nsubject: s\n\nline 1\nline 2 {base..name}\n");
    load_fails(f, "x.txt", "line 2");
}

static void test_text_that_is_not_utf8_is_refused(void **state)
{
    fixture *f = *state;
    /* "认定" in GBK, as an editor on a Chinese Windows might save it */
    write_file(f, "gbk.txt", "topic: a.b\nsubject: \xC8\xCF\xB6\xA8\n\nbody\n");
    load_fails(f, "gbk.txt", "not valid UTF-8");
    static const char nul[] = "topic: a.b\nsubject: s\n\nbo\0dy\n";
    put(f, "gbk.txt", nul, sizeof nul - 1);
    load_fails(f, "gbk.txt", "NUL");
}

static void test_two_templates_for_the_same_event_are_refused(void **state)
{
    fixture *f = *state;
    write_file(f, "one.txt", "topic: base.revoked\nsubject: s\n\nb\n");
    write_file(f, "two.txt", "topic: base.revoked\nsubject: s\n\nb\n");
    load_fails(f, "one.txt and two.txt", "base.revoked");
    write_file(f, "one.txt", "topic: base.revoked\naction: a, b\nsubject: s\n\nb\n");
    write_file(f, "two.txt", "topic: base.revoked\naction: c b\nsubject: s\n\nb\n");
    load_fails(f, "both claim", "action b");
}

static void test_an_empty_or_absent_directory_is_refused(void **state)
{
    fixture *f = *state;
    load_fails(f, "has no *.txt templates", NULL);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/none", f->dir);
    sb_templates *t = NULL;
    char err[512];
    assert_int_equal(-1, sb_templates_load(missing, &t, err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
}

/* The shipped templates: each topic the issue lists selects its notice. */
static void test_shipped_templates_cover_every_notice(void **state)
{
    (void)state;
    sb_templates *t = NULL;
    char err[512] = "";
    if (sb_templates_load(SB_NOTICES_DIR, &t, err, sizeof err))
        fail_msg("shipped templates: %s", err);
    static const struct {
        const char *topic, *action, *name;
    } want[] = {
        {"application.applied", "apply", "application_received"},
        {"application.under_review", "review", "review_started"},
        {"application.in_publicity", "evaluate", "evaluation_passed"},
        {"application.rejected", "evaluate", "application_rejected"},
        {"application.rejected", "uphold_objection", "application_rejected"},
        {"application.rejected", "reject", "application_rejected"},
        {"application.publicity_scheduled", "schedule_publicity", "publicity_scheduled"},
        {"application.under_review", "file_objection", "objection_filed"},
        {"base.certified", "certify", "certified"},
        {"base.assessment_due_soon", "assessment_reminder", "assessment_due_soon"},
        {"base.assessment_overdue", "assessment_reminder", "assessment_overdue"},
        {"base.assessed", "assess", "assessed"},
        {"base.revoked", "assess", "revoked"},
        {"base.revoked", "revoke", "revoked"},
        {"base.subsidy_statement", "record_statement", "subsidy_statement"},
        {"base.subsidy_approved", "subsidy_approve", "subsidy_approved"},
        {"base.subsidy_paid", "subsidy_pay", "subsidy_paid"},
        {"base.subsidy_refused", "subsidy_refuse", "subsidy_refused"},
        {"base.exited", "exit_base", "exited"},
        {"base.project_approved", "decide_project", "project_approved"},
        {"base.project_refused", "decide_project", "project_refused"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const sb_notice_template *x = sb_templates_select(t, want[i].topic, want[i].action);
        if (!x || strcmp(x->name, want[i].name) != 0)
            fail_msg("%s/%s selects %s, expected %s", want[i].topic, want[i].action,
                     x ? x->name : "nothing", want[i].name);
    }
    /* events that concern nobody outside the bureau, or are told elsewhere */
    assert_null(sb_templates_select(t, "application.certified", "close_publicity"));
    assert_null(sb_templates_select(t, "application.in_publicity", "dismiss_objection"));
    assert_null(sb_templates_select(t, "application.withdrawn", "withdraw"));
    assert_null(sb_templates_select(t, "base.competition_hosted", "competition_hosted"));
    sb_templates_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_template_file_is_parsed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf_and_byte_order_mark_are_accepted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_selection_prefers_the_action_then_any_action, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_headers_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_or_repeated_headers_are_refused_with_the_line,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_bodies_must_exist_and_follow_an_empty_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_placeholders_are_refused_at_load, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_text_that_is_not_utf8_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_templates_for_the_same_event_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_empty_or_absent_directory_is_refused, setup,
                                        teardown),
        cmocka_unit_test(test_shipped_templates_cover_every_notice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
