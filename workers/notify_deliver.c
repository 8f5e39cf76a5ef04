/* notify_deliver: spool, e-mail and webhook for one notice; see the header. */
#include "notify_deliver.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "notify_smtp.h"
#include "notify_spool.h"
#include "notify_webhook.h"
#include "sb_log.h"

typedef struct {
    char *text;
    size_t len, off;
} line;

static void append(line *l, const char *fmt, const char *a, const char *b)
{
    if (l->off >= l->len)
        return;
    int n = snprintf(l->text + l->off, l->len - l->off, fmt, l->off ? "; " : "", a, b);
    if (n > 0)
        l->off += (size_t)n;
    if (l->off >= l->len)
        l->off = l->len - 1;
}

/* Control characters (a server's reply may hold some) become spaces; with
 * ascii, bytes above 0x7f become '?' (no half characters in an error). */
static void one_line(char *s, bool ascii)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
        else if (ascii && (unsigned char)*s > 0x7f)
            *s = '?';
}

/* Milliseconds a network channel may take: what is left before the
 * deadline less a margin for reporting the outcome; 0 when under a second
 * is left; -1 when there is no deadline. */
#define REPORT_MARGIN_MS 2000

static long time_left_ms(uint64_t deadline_ms)
{
    if (!deadline_ms)
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* leases are instants of real time */
    uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    if (deadline_ms < now + REPORT_MARGIN_MS + 1000)
        return 0;
    return (long)(deadline_ms - now - REPORT_MARGIN_MS);
}

sb_delivery sb_notify_deliver(const sb_notify_config *c, const sb_notice *n, const char *job_id,
                              uint64_t deadline_ms, char *summary, size_t summary_len, char *err,
                              size_t err_len)
{
    char key[200], why[600], count[32];
    line done = {summary, summary_len, 0}, failed = {err, err_len, 0};
    bool retry = false, permanent = false, markers = job_id && *job_id;
    long left;
    summary[0] = err[0] = '\0';
    sb_spool_key(job_id, n->seq, key, sizeof key);

    if (c->channels & SB_NOTIFY_SPOOL) {
        if (sb_spool_write(c->spool_dir, key, n, job_id, why, sizeof why) == 0) {
            append(&done, "%sspool %s.txt%s", key, "");
        } else {
            append(&failed, "%sspool: %s%s", why, "");
            retry = true;
        }
    }
    if (c->channels & SB_NOTIFY_SMTP) {
        bool perm = false;
        snprintf(count, sizeof count, "%zu", n->to_count);
        if (!n->to_count) {
            append(&done, "%smail: no recipients%s%s", "", "");
        } else if (markers && sb_spool_sent(c->spool_dir, key, "smtp")) {
            append(&done, "%smail to %s recipient(s) sent before%s", count, "");
        } else if ((left = time_left_ms(deadline_ms)) == 0) {
            append(&failed, "%smail: %s%s", "not tried, the job's lease is nearly over", "");
            retry = true;
        } else if (sb_smtp_send(c, n, job_id, left, &perm, why, sizeof why) == 0) {
            append(&done, "%smailed to %s recipient(s)%s", count, "");
            if (markers && sb_spool_mark_sent(c->spool_dir, key, "smtp", why, sizeof why))
                sb_log(SB_LOG_WARN, "%s: mail sent, but not remembered: %s", key, why);
        } else {
            append(&failed, "%s%s%s", why, perm ? " (permanent)" : "");
            if (perm)
                permanent = true;
            else
                retry = true;
        }
    }
    if (c->channels & SB_NOTIFY_WEBHOOK) {
        if (markers && sb_spool_sent(c->spool_dir, key, "webhook")) {
            append(&done, "%swebhook posted before%s%s", "", "");
        } else if ((left = time_left_ms(deadline_ms)) == 0) {
            append(&failed, "%swebhook: %s%s", "not tried, the job's lease is nearly over", "");
            retry = true;
        } else if (sb_webhook_post(c, n, job_id, left, why, sizeof why) == 0) {
            append(&done, "%swebhook posted%s%s", "", "");
            if (markers && sb_spool_mark_sent(c->spool_dir, key, "webhook", why, sizeof why))
                sb_log(SB_LOG_WARN, "%s: webhook posted, but not remembered: %s", key, why);
        } else {
            append(&failed, "%s%s%s", why, "");
            retry = true;
        }
    }
    one_line(summary, false);
    one_line(err, true);
    if (retry)
        return SB_DELIVERY_RETRY;
    return permanent ? SB_DELIVERY_FAILED : SB_DELIVERED;
}
