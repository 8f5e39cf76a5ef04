/* The notify worker's channels and settings, without a network: the spool
 * file (atomic, named by job id, overwritten by a rerun), delivery markers,
 * the e-mail message (headers, encoded subject, base64 body), the webhook
 * JSON, and the [notify] configuration (keys, errors naming the line,
 * what each channel requires). SMTP and HTTP delivery themselves are
 * proved against real servers by tests/e2e/test_notify_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sodium.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sb_testkit.h"

#include "notify_config.h"
#include "notify_deliver.h"
#include "notify_smtp.h"
#include "notify_spool.h"
#include "notify_webhook.h"

static char tmpdir[SB_TK_DIR_MAX];

static int make_dir(void **state)
{
    (void)state;
    sb_tk_tmpdir(tmpdir, NULL);
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    return sb_tk_rmtree(tmpdir);
}

static char *TO[] = {"training@jinggong.example.com", "ops@hrss.example.cn"};

static sb_notice sample(void)
{
    return (sb_notice){
        .template_name = "certified",
        .subject = "【杭州市公共实训基地】认定通知 Certified：杭州市公共实训基地精工机械分基地",
        .body = "王建国，您好：\n铭牌“杭州市高技能人才公共实训基地”。\n",
        .to = TO,
        .to_count = 2,
        .topic = "base.certified",
        .action = "certify",
        .entity_id = "base-000001",
        .seq = 42,
    };
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_spool_file_is_named_by_job_and_overwritten_by_a_rerun(void **state)
{
    (void)state;
    char dir[128], path[256], err[256];
    snprintf(dir, sizeof dir, "%s/deep/notices", tmpdir); /* created on demand */
    sb_notice n = sample();
    assert_int_equal(0, sb_spool_write(dir, "job-00000007", &n, "job-00000007", err, sizeof err));
    snprintf(path, sizeof path, "%s/job-00000007.txt", dir);
    char *text = slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "Job: job-00000007\n"));
    assert_non_null(strstr(text, "Seq: 42\n"));
    assert_non_null(strstr(text, "Topic: base.certified\n"));
    assert_non_null(strstr(text, "Entity: base-000001\n"));
    assert_non_null(strstr(text, "To: training@jinggong.example.com, ops@hrss.example.cn\n"));
    assert_non_null(strstr(text, "Subject: 【杭州市公共实训基地】认定通知"));
    assert_non_null(strstr(text, "\n\n王建国，您好：\n"));
    free(text);

    n.body = "second run\n";
    assert_int_equal(0, sb_spool_write(dir, "job-00000007", &n, "job-00000007", err, sizeof err));
    text = slurp(path);
    assert_non_null(strstr(text, "\n\nsecond run\n"));
    assert_null(strstr(text, "王建国"));
    free(text);
    assert_int_equal(1, count_entries(dir)); /* one file, no temporary left behind */
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));)
        assert_null(strstr(e->d_name, ".tmp"));
    closedir(d);
}

/* Header lines hold text from records; whatever that text holds (stored
 * before the daemon refused such characters), it cannot end a header line
 * or start another. */
static void test_spool_headers_escape_what_would_break_lines(void **state)
{
    (void)state;
    sb_notice n = sample();
    n.subject = "认定通知\nBcc: evil@example.com\xe2\x80\xa8\xe2\x80\xae"
                "x";
    n.entity_id = "base-000001\r\nTo: x";
    char *text = sb_spool_text(&n, "job-1");
    assert_non_null(text);
    assert_non_null(
        strstr(text, "Subject: 认定通知\\x0ABcc: evil@example.com\\u{2028}\\u{202E}x\n"));
    assert_non_null(strstr(text, "Entity: base-000001\\x0D\\x0ATo: x\n"));
    assert_null(strstr(text, "\nBcc:"));
    assert_null(strstr(text, "\nTo: x"));
    free(text);
}

static void test_spool_refuses_an_unwritable_place(void **state)
{
    (void)state;
    char file[128], dir[160], err[256];
    snprintf(file, sizeof file, "%s/plain-file", tmpdir);
    FILE *f = fopen(file, "w");
    fclose(f);
    snprintf(dir, sizeof dir, "%s/sub", file);
    sb_notice n = sample();
    assert_int_equal(-1, sb_spool_write(dir, "job-1", &n, "job-1", err, sizeof err));
    assert_non_null(strstr(err, file));
}

static void test_spool_keys_are_safe_file_names(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal("job-00000012", sb_spool_key("job-00000012", 3, buf, sizeof buf));
    assert_string_equal("_._.._etc_passwd", sb_spool_key("../../etc/passwd", 3, buf, sizeof buf));
    assert_string_equal("seq-3", sb_spool_key(NULL, 3, buf, sizeof buf));
    assert_string_equal("seq-4", sb_spool_key("", 4, buf, sizeof buf));
    assert_string_equal("a_b", sb_spool_key("a/b", 0, buf, sizeof buf));
}

static void test_markers_remember_channels_per_job(void **state)
{
    (void)state;
    char err[256];
    assert_false(sb_spool_sent(tmpdir, "job-1", "smtp"));
    assert_int_equal(0, sb_spool_mark_sent(tmpdir, "job-1", "smtp", err, sizeof err));
    assert_true(sb_spool_sent(tmpdir, "job-1", "smtp"));
    assert_false(sb_spool_sent(tmpdir, "job-1", "webhook"));
    assert_false(sb_spool_sent(tmpdir, "job-2", "smtp"));
    assert_int_equal(0, sb_spool_prune_markers(tmpdir, 30)); /* fresh: kept */
    assert_true(sb_spool_sent(tmpdir, "job-1", "smtp"));
}

/* Decode one base64 text (no line breaks) for checking. */
static char *unbase64(const char *b64, size_t len)
{
    size_t n = 0;
    char *out = calloc(1, len + 1);
    assert_int_equal(0, sodium_base642bin((unsigned char *)out, len, b64, len, "\r\n", &n, NULL,
                                          sodium_base64_VARIANT_ORIGINAL));
    out[n] = '\0';
    return out;
}

static void test_mail_has_headers_encoded_subject_and_base64_body(void **state)
{
    (void)state;
    sb_notice n = sample();
    /* 2026-03-02 10:00:05 Hangzhou, a Monday */
    char *m = sb_smtp_message("skillbase@hrss.example.cn", &n, "job-00000042", 1772416805000ULL);
    assert_non_null(m);
    assert_non_null(strstr(m, "Date: Mon, 02 Mar 2026 10:00:05 +0800\r\n"));
    assert_non_null(strstr(m, "From: skillbase@hrss.example.cn\r\n"));
    assert_non_null(strstr(m, "To: training@jinggong.example.com,\r\n ops@hrss.example.cn\r\n"));
    assert_non_null(strstr(m, "Message-ID: <notice.job-00000042@hrss.example.cn>\r\n"));
    assert_non_null(strstr(m, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(m, "Content-Transfer-Encoding: base64\r\n"));
    assert_non_null(strstr(m, "X-Skillbase-Topic: base.certified\r\n"));
    assert_non_null(strstr(m, "X-Skillbase-Seq: 42\r\n"));
    /* no bare LF anywhere: every line ends CRLF */
    for (const char *p = m; (p = strchr(p, '\n')); p++)
        assert_true(p > m && p[-1] == '\r');

    /* the subject: encoded words that decode back to the UTF-8 text */
    const char *s = strstr(m, "Subject: ") + 9;
    char subject[512] = "";
    for (const char *w = s; (w = strstr(w, "=?UTF-8?B?")) && w < strstr(s, "\r\nMessage-ID");) {
        w += 10;
        const char *end = strstr(w, "?=");
        assert_true(end - w <= 60);
        char *part = unbase64(w, (size_t)(end - w));
        strcat(subject, part);
        free(part);
        w = end + 2;
    }
    assert_string_equal(n.subject, subject);

    /* the body: base64 lines of at most 76 characters, CRLF text inside */
    const char *b = strstr(m, "\r\n\r\n") + 4;
    char *body = unbase64(b, strlen(b));
    assert_string_equal("王建国，您好：\r\n铭牌“杭州市高技能人才公共实训基地”。\r\n", body);
    free(body);
    for (const char *line = b; *line;) {
        const char *eol = strstr(line, "\r\n");
        assert_non_null(eol);
        assert_true(eol - line <= 76);
        line = eol + 2;
    }
    free(m);
}

static void test_ascii_subject_is_sent_plain(void **state)
{
    (void)state;
    sb_notice n = sample();
    n.subject = "Certified: base-000001";
    char *m = sb_smtp_message("a@b.cn", &n, NULL, 0);
    assert_non_null(strstr(m, "Subject: Certified: base-000001\r\n"));
    assert_non_null(strstr(m, "Message-ID: <notice.seq-42@b.cn>"));
    free(m);
}

static void test_webhook_body_is_json_with_the_notice(void **state)
{
    (void)state;
    sb_notice n = sample();
    char *text = sb_webhook_body(&n, "job-00000042");
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    assert_string_equal("job-00000042", json_string_value(json_object_get(j, "job_id")));
    assert_int_equal(42, json_integer_value(json_object_get(j, "seq")));
    assert_string_equal("base.certified", json_string_value(json_object_get(j, "topic")));
    assert_string_equal("certify", json_string_value(json_object_get(j, "action")));
    assert_string_equal("base-000001", json_string_value(json_object_get(j, "entity_id")));
    assert_string_equal("certified", json_string_value(json_object_get(j, "template")));
    assert_string_equal(n.subject, json_string_value(json_object_get(j, "subject")));
    assert_string_equal(n.body, json_string_value(json_object_get(j, "body")));
    assert_int_equal(2, json_array_size(json_object_get(j, "to")));
    json_decref(j);
    free(text);
}

static void test_deliver_to_spool_only_reports_the_file(void **state)
{
    (void)state;
    sb_notify_config c;
    char summary[256], err[256];
    sb_notify_config_defaults(&c);
    snprintf(c.spool_dir, sizeof c.spool_dir, "%s/out", tmpdir);
    sb_notice n = sample();
    assert_int_equal(SB_DELIVERED, sb_notify_deliver(&c, &n, "job-9", 0, summary, sizeof summary,
                                                     err, sizeof err));
    assert_string_equal("spool job-9.txt", summary);
    assert_string_equal("", err);
}

static void test_deliver_reports_an_unreachable_webhook_as_retryable(void **state)
{
    (void)state;
    sb_notify_config c;
    char summary[256], err[600];
    sb_notify_config_defaults(&c);
    snprintf(c.spool_dir, sizeof c.spool_dir, "%s/out2", tmpdir);
    c.channels = SB_NOTIFY_SPOOL | SB_NOTIFY_WEBHOOK;
    /* a loopback port bound but not listening: connections are refused */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(0, bind(fd, (struct sockaddr *)&a, sizeof a));
    assert_int_equal(0, getsockname(fd, (struct sockaddr *)&a, &alen));
    snprintf(c.webhook_url, sizeof c.webhook_url, "http://127.0.0.1:%u/hook", ntohs(a.sin_port));
    c.webhook_timeout_s = 5;
    sb_notice n = sample();
    assert_int_equal(SB_DELIVERY_RETRY, sb_notify_deliver(&c, &n, "job-10", 0, summary,
                                                          sizeof summary, err, sizeof err));
    assert_string_equal("spool job-10.txt", summary);
    assert_non_null(strstr(err, "webhook http://127.0.0.1:"));
    assert_non_null(strstr(err, "/hook: "));
    assert_false(sb_spool_sent(c.spool_dir, "job-10", "webhook"));
    close(fd);
}

static void test_no_network_delivery_is_started_when_the_lease_is_nearly_over(void **state)
{
    (void)state;
    sb_notify_config c;
    char summary[256], err[600];
    struct timespec ts;
    sb_notify_config_defaults(&c);
    snprintf(c.spool_dir, sizeof c.spool_dir, "%s/out3", tmpdir);
    c.channels = SB_NOTIFY_SPOOL | SB_NOTIFY_SMTP | SB_NOTIFY_WEBHOOK;
    snprintf(c.smtp_url, sizeof c.smtp_url, "smtp://127.0.0.1:1");
    snprintf(c.webhook_url, sizeof c.webhook_url, "http://127.0.0.1:1/hook");
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t lease_end = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 500;
    sb_notice n = sample();
    assert_int_equal(SB_DELIVERY_RETRY, sb_notify_deliver(&c, &n, "job-11", lease_end, summary,
                                                          sizeof summary, err, sizeof err));
    assert_string_equal("spool job-11.txt", summary); /* the local channel still delivers */
    assert_non_null(strstr(err, "mail: not tried, the job's lease is nearly over"));
    assert_non_null(strstr(err, "webhook: not tried, the job's lease is nearly over"));
}

/* ------------------------------------------------------------ configuration */

static const char *write_ini(const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/skillbase.ini", tmpdir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, 0640); /* a file with secrets, as on a server */
    return path;
}

static void test_config_reads_notify_and_the_state_dir_only(void **state)
{
    (void)state;
    sb_notify_config c;
    char err[512];
    sb_notify_config_defaults(&c);
    const char *path = write_ini("[daemon]\nstate_dir = /srv/skillbase\nlog_level = debug\n"
                                 "[rubric]\nbasic_construction = 25\n"
                                 "[notify]\nchannels = spool, smtp webhook\n"
                                 "operators = a@b.cn, c@d.cn\n"
                                 "smtp_url = smtps://mail.example.cn:465\n"
                                 "smtp_from = noreply@hrss.example.cn\n"
                                 "smtp_user = noreply\nsmtp_password = s3cret\n"
                                 "smtp_tls = required\nsmtp_verify = no\nsmtp_timeout_s = 5\n"
                                 "webhook_url = https://hooks.example.cn/skillbase\n"
                                 "notify_applicant = false\ncapacity = 4\n"
                                 "[subsidy]\nrules = x\n");
    assert_int_equal(0, sb_notify_config_load(&c, path, err, sizeof err));
    assert_int_equal(0, sb_notify_config_finish(&c, err, sizeof err));
    assert_int_equal(SB_NOTIFY_SPOOL | SB_NOTIFY_SMTP | SB_NOTIFY_WEBHOOK, c.channels);
    /* the same file readable by others: the password is no secret */
    sb_notify_config tmp;
    sb_notify_config_defaults(&tmp);
    assert_int_equal(0, chmod(path, 0644));
    assert_int_equal(-1, sb_notify_config_load(&tmp, path, err, sizeof err));
    assert_non_null(strstr(err, "smtp_password but others may read it"));
    sb_notify_config_release(&tmp);
    assert_int_equal(0, chmod(path, 0640));
    assert_string_equal("/srv/skillbase/notices", c.spool_dir);
    assert_int_equal(2, c.operator_count);
    assert_string_equal("c@d.cn", c.operators[1]);
    assert_int_equal(SB_TLS_REQUIRED, c.smtp_tls);
    assert_false(c.smtp_verify);
    assert_int_equal(5, c.smtp_timeout_s);
    assert_false(c.notify_applicant);
    assert_int_equal(4, c.capacity);
    char names[64];
    assert_string_equal("spool,smtp,webhook",
                        sb_notify_channels_name(c.channels, names, sizeof names));
    sb_notify_config_release(&c);
}

static void config_refused(const char *ini, const char *want)
{
    sb_notify_config c;
    char err[512];
    sb_notify_config_defaults(&c);
    const char *path = write_ini(ini);
    int rc = sb_notify_config_load(&c, path, err, sizeof err);
    if (rc == 0)
        rc = sb_notify_config_finish(&c, err, sizeof err);
    if (rc == 0 || !strstr(err, want))
        fail_msg("expected a refusal naming \"%s\", got %d: %s", want, rc, err);
    sb_notify_config_release(&c);
}

static void test_config_errors_name_the_key_and_line(void **state)
{
    (void)state;
    config_refused("[notify]\n\nchanels = spool\n", ":3: [notify] chanels: unknown key");
    config_refused("[notify]\nchannels = spool, fax\n", "unknown channel \"fax\"");
    config_refused("[notify]\nchannels =\n", "channels: empty");
    config_refused("[notify]\noperators = a@b.cn, not-an-address\n", "\"not-an-address\"");
    config_refused("[notify]\nsmtp_tls = sometimes\n", "smtp_tls");
    config_refused("[notify]\nsmtp_timeout_s = 0\n", "smtp_timeout_s");
    config_refused("[notify]\nnotify_applicant = perhaps\n", "not true or false");
    config_refused("[notify]\nchannels = smtp\n", "needs smtp_url");
    config_refused("[notify]\nchannels = smtp\nsmtp_url = http://x\n", "smtp:// or smtps://");
    config_refused("[notify]\nchannels = smtp\nsmtp_url = smtp://x\nsmtp_from = nobody\n",
                   "smtp_from");
    config_refused("[notify]\nchannels = webhook\n", "needs webhook_url");
    config_refused("[notify]\nchannels = webhook\nwebhook_url = ftp://x\n", "http:// or https://");
    config_refused("[notify]\nspool_dir =\n", "spool_dir: empty");
}

static void test_config_flags_override_the_file(void **state)
{
    (void)state;
    sb_notify_config c;
    char err[256];
    sb_notify_config_defaults(&c);
    const char *path = write_ini("[notify]\nchannels = spool\nspool_dir = /a\n");
    assert_int_equal(0, sb_notify_config_load(&c, path, err, sizeof err));
    assert_int_equal(0, sb_notify_config_set(&c, "spool_dir", "/b", err, sizeof err));
    assert_int_equal(0, sb_notify_config_set(&c, "channels", "webhook", err, sizeof err));
    assert_int_equal(-1, sb_notify_config_set(&c, "channels", "nothing", err, sizeof err));
    assert_int_equal(SB_NOTIFY_WEBHOOK, c.channels); /* a refused value changes nothing */
    assert_string_equal("/b", c.spool_dir);
    sb_notify_config_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool_file_is_named_by_job_and_overwritten_by_a_rerun),
        cmocka_unit_test(test_spool_refuses_an_unwritable_place),
        cmocka_unit_test(test_spool_keys_are_safe_file_names),
        cmocka_unit_test(test_spool_headers_escape_what_would_break_lines),
        cmocka_unit_test(test_markers_remember_channels_per_job),
        cmocka_unit_test(test_mail_has_headers_encoded_subject_and_base64_body),
        cmocka_unit_test(test_ascii_subject_is_sent_plain),
        cmocka_unit_test(test_webhook_body_is_json_with_the_notice),
        cmocka_unit_test(test_deliver_to_spool_only_reports_the_file),
        cmocka_unit_test(test_deliver_reports_an_unreachable_webhook_as_retryable),
        cmocka_unit_test(test_no_network_delivery_is_started_when_the_lease_is_nearly_over),
        cmocka_unit_test(test_config_reads_notify_and_the_state_dir_only),
        cmocka_unit_test(test_config_errors_name_the_key_and_line),
        cmocka_unit_test(test_config_flags_override_the_file),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
