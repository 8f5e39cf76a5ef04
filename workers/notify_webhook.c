/* notify_webhook: notices as JSON POSTs through libcurl; see the header. */
#include "notify_webhook.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sb_webhook_body(const sb_notice *n, const char *job_id)
{
    json_t *to = json_array(), *doc;
    for (size_t i = 0; to && i < n->to_count; i++)
        json_array_append_new(to, json_string(n->to[i]));
    doc = json_pack("{s:s?, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "job_id",
                    job_id && *job_id ? job_id : NULL, "seq", (json_int_t)n->seq, "topic", n->topic,
                    "action", n->action, "entity_id", n->entity_id, "template", n->template_name,
                    "to", to ? to : json_array(), "subject", n->subject, "body", n->body);
    if (!doc)
        return NULL; /* json_pack released `to` (the "o" reference) */
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* Keep the start of the answer for the error message (printable ASCII only,
 * so the error stays one valid line); discard the rest. */
typedef struct {
    char text[160];
    size_t len;
} answer;

static size_t write_cb(char *data, size_t size, size_t nmemb, void *user)
{
    answer *a = user;
    size_t n = size * nmemb, room = sizeof a->text - 1 - a->len;
    size_t take = n < room ? n : room;
    for (size_t i = 0; i < take; i++)
        a->text[a->len++] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : ' ';
    a->text[a->len] = '\0';
    return n;
}

int sb_webhook_post(const sb_notify_config *c, const sb_notice *n, const char *job_id,
                    long timeout_ms, char *err, size_t err_len)
{
    char line[600], curl_err[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    answer reply = {.len = 0};
    CURL *h = NULL;
    int rc = -1;
    char *body = sb_webhook_body(n, job_id);
    if (!body || !(h = curl_easy_init()))
        goto oom;
    const char *lines[5] = {"Content-Type: application/json; charset=utf-8", NULL, NULL, NULL,
                            NULL};
    char idem[300], jobh[300], topic[300];
    size_t k = 1;
    if (job_id && *job_id) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", job_id);
        snprintf(jobh, sizeof jobh, "X-Skillbase-Job: %s", job_id);
        lines[k++] = idem;
        lines[k++] = jobh;
    }
    snprintf(topic, sizeof topic, "X-Skillbase-Topic: %s", n->topic);
    lines[k++] = topic;
    if (c->webhook_token[0]) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", c->webhook_token);
        lines[k++] = line;
    }
    for (size_t i = 0; i < k; i++) {
        struct curl_slist *grown = curl_slist_append(headers, lines[i]);
        if (!grown)
            goto oom;
        headers = grown;
    }
    curl_easy_setopt(h, CURLOPT_URL, c->webhook_url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* handler threads */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    long limit = (long)c->webhook_timeout_s * 1000;
    if (timeout_ms > 0 && timeout_ms < limit)
        limit = timeout_ms;
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, limit);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "skillbase-notify/" SB_VERSION);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->webhook_verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->webhook_verify ? 2L : 0L);
    if (c->webhook_ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, c->webhook_ca_file);
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        snprintf(err, err_len, "webhook %s: %s%s%s%s", c->webhook_url, curl_easy_strerror(cc),
                 curl_err[0] ? " (" : "", curl_err, curl_err[0] ? ")" : "");
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        snprintf(err, err_len, "webhook %s: HTTP %ld%s%s", c->webhook_url, status,
                 reply.len ? ": " : "", reply.text);
        goto out;
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, err_len, "webhook: out of memory");
out:
    curl_slist_free_all(headers);
    if (h)
        curl_easy_cleanup(h);
    free(body);
    return rc;
}
