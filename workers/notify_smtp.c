/* notify_smtp: notices as e-mail through libcurl; see notify_smtp.h. */
#include "notify_smtp.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_spool.h"
#include "sb_clock.h"

/* ------------------------------------------------------------ the message */

static void put_base64(FILE *f, const unsigned char *data, size_t len)
{
    char out[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(out, sizeof out, data, len, sodium_base64_VARIANT_ORIGINAL);
    fputs(out, f);
}

static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
            return false;
    return true;
}

/* RFC 2047 encoded words of at most 45 bytes each (60 base64 characters),
 * cut between UTF-8 characters, folded onto continuation lines. */
static void put_encoded_header(FILE *f, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t left = strlen(text);
    if (ascii_only(text) && left < 900) {
        fputs(text, f);
        return;
    }
    bool first = true;
    while (left) {
        size_t n = left < 45 ? left : 45;
        while (n < left && n > 0 && (p[n] & 0xC0) == 0x80)
            n--; /* do not split a character */
        if (n == 0)
            n = left < 45 ? left : 45;
        fputs(first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?", f);
        put_base64(f, p, n);
        fputs("?=", f);
        p += n;
        left -= n;
        first = false;
    }
}

/* RFC 5322 date in Hangzhou time (UTC+8, no daylight saving). */
static void put_date(FILE *f, uint64_t ms)
{
    static const char *const DAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    fprintf(f, "Date: %s, %02d %s %04d %02d:%02d:%02d +0800\r\n", DAYS[tm.tm_wday], tm.tm_mday,
            MONTHS[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *sb_smtp_message(const char *from, const sb_notice *n, const char *job_id, uint64_t date_ms)
{
    char *buf = NULL, key[200];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    const char *domain = strchr(from, '@');
    put_date(f, date_ms);
    fprintf(f, "From: %s\r\n", from);
    fputs("To: ", f);
    for (size_t i = 0; i < n->to_count; i++)
        fprintf(f, "%s%s", i ? ",\r\n " : "", n->to[i]);
    fputs("\r\nSubject: ", f);
    put_encoded_header(f, n->subject);
    fprintf(f, "\r\nMessage-ID: <notice.%s@%s>\r\n", sb_spool_key(job_id, n->seq, key, sizeof key),
            domain ? domain + 1 : "skillbase.localdomain");
    fputs("MIME-Version: 1.0\r\n"
          "Content-Type: text/plain; charset=UTF-8\r\n"
          "Content-Transfer-Encoding: base64\r\n",
          f);
    fprintf(f,
            "X-Skillbase-Topic: %s\r\nX-Skillbase-Entity: %s\r\nX-Skillbase-Seq: %" PRIu64
            "\r\n\r\n",
            n->topic, n->entity_id, n->seq);

    /* the body in canonical form (CRLF), base64 in lines of 76 characters */
    char *crlf = NULL;
    size_t crlf_len = 0;
    FILE *c = open_memstream(&crlf, &crlf_len);
    if (!c) {
        fclose(f);
        free(buf);
        return NULL;
    }
    for (const char *p = n->body; *p; p++) {
        if (*p == '\n')
            fputc('\r', c);
        fputc(*p, c);
    }
    int cerr = fclose(c);
    for (size_t off = 0; !cerr && off < crlf_len; off += 57) {
        put_base64(f, (const unsigned char *)crlf + off, crlf_len - off < 57 ? crlf_len - off : 57);
        fputs("\r\n", f);
    }
    free(crlf);
    if (fclose(f) != 0 || cerr) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ------------------------------------------------------------ sending */

typedef struct {
    const char *data;
    size_t len, off;
} upload;

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *user)
{
    upload *u = user;
    size_t n = size * nmemb;
    if (n > u->len - u->off)
        n = u->len - u->off;
    memcpy(dst, u->data + u->off, n);
    u->off += n;
    return n;
}

int sb_smtp_send(const sb_notify_config *c, const sb_notice *n, const char *job_id, long timeout_ms,
                 bool *ret_permanent, char *err, size_t err_len)
{
    char addr[300], curl_err[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpt = NULL;
    CURL *h = NULL;
    int rc = -1;
    *ret_permanent = false;
    if (!n->to_count)
        return 0;
    char *msg = sb_smtp_message(c->smtp_from, n, job_id, sb_clock_now_ms());
    if (!msg || !(h = curl_easy_init())) {
        snprintf(err, err_len, "smtp: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n->to_count; i++) {
        snprintf(addr, sizeof addr, "<%s>", n->to[i]);
        struct curl_slist *grown = curl_slist_append(rcpt, addr);
        if (!grown) {
            snprintf(err, err_len, "smtp: out of memory");
            goto out;
        }
        rcpt = grown;
    }
    snprintf(addr, sizeof addr, "<%s>", c->smtp_from);
    upload u = {msg, strlen(msg), 0};
    curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* handler threads */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    long limit = (long)c->smtp_timeout_s * 1000;
    if (timeout_ms > 0 && timeout_ms < limit)
        limit = timeout_ms;
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, limit);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, limit < 10000 ? limit : 10000L);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     c->smtp_tls == SB_TLS_REQUIRED ? (long)CURLUSESSL_ALL
                     : c->smtp_tls == SB_TLS_TRY    ? (long)CURLUSESSL_TRY
                                                    : (long)CURLUSESSL_NONE);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->smtp_verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->smtp_verify ? 2L : 0L);
    if (c->smtp_ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, c->smtp_ca_file);
    if (c->smtp_user[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password);
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK) {
        rc = 0;
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    *ret_permanent = code >= 500 && code < 600;
    char said[48] = "";
    if (code >= 400)
        snprintf(said, sizeof said, "; the server replied %ld", code);
    snprintf(err, err_len, "smtp %s: %s%s%s%s%s", c->smtp_url, curl_easy_strerror(cc),
             curl_err[0] ? " (" : "", curl_err, curl_err[0] ? ")" : "", said);
out:
    curl_slist_free_all(rcpt);
    if (h)
        curl_easy_cleanup(h);
    free(msg);
    return rc;
}
