#include "fault_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "sb_clock.h"
#include "skillbase_client.h"

#define PAGE 1000
#define MAX_PROBLEMS_SHOWN 20

static void problem(fc_report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(fc_report *rep, const char *fmt, ...)
{
    if (rep->problems++ < MAX_PROBLEMS_SHOWN) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "sb_fault: PROBLEM: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
}

/* ---------------------------------------------------------------- replay */

int fc_replay(void *ctx, const char *endpoint, const fl_result *r, unsigned window, fc_report *rep)
{
    void *sock = fw_dealer(ctx, endpoint);
    if (!sock)
        return -1;
    if (!window)
        window = FC_REPLAY_WINDOW;
    size_t sent = 0, done = 0;
    uint64_t deadline = sb_clock_mono_ms() + 120000u;
    /* answers come back in any order: index them by request id */
    char *got = calloc(r->n_acked ? r->n_acked : 1, 1);
    int rc = -1;
    if (!got)
        goto out;
    while (done < r->n_acked) {
        while (sent < r->n_acked && sent - done < window) {
            if (fw_send(sock, &r->acked[sent].request))
                goto out;
            sent++;
        }
        zmq_pollitem_t it = {.socket = sock, .events = ZMQ_POLLIN};
        if (sb_clock_mono_ms() > deadline) {
            fprintf(stderr, "sb_fault: replay: %zu of %zu answers missing after 120 s\n",
                    r->n_acked - done, r->n_acked);
            goto out;
        }
        if (zmq_poll(&it, 1, 1000) <= 0)
            continue;
        fw_bytes body;
        int k;
        while ((k = fw_recv(sock, &body)) >= 0) {
            if (k)
                continue;
            Skillbase__Reply *now = fw_unpack(&body);
            size_t i = done;
            /* the answer is usually the next one; else search the window */
            while (now && i < sent && strcmp(r->acked[i].request_id, now->request_id))
                i++;
            if (!now || i == sent || got[i]) {
                problem(rep, "replay: an answer %s that matches no request",
                        now ? now->request_id : "(undecodable)");
            } else {
                const fl_write *w = &r->acked[i];
                fw_bytes a = {0}, b = {0};
                got[i] = 1;
                rep->replayed++;
                if (w->tries > 1)
                    rep->retried++;
                if (now->code != SKILLBASE__ERROR_CODE__OK || !now->replayed)
                    problem(rep, "replay of %s: code %d, replayed %d (expected ok, true): %s",
                            w->request_id, (int)now->code, (int)now->replayed,
                            now->message ? now->message : "");
                else if (fw_normalised(&w->reply, &a) || fw_normalised(&body, &b) ||
                         a.len != b.len || memcmp(a.data, b.data, a.len))
                    problem(rep,
                            "replay of %s (sent %u times) answers differently from the "
                            "first answer (seq %llu)",
                            w->request_id, w->tries, (unsigned long long)w->seq);
                fw_bytes_free(&a);
                fw_bytes_free(&b);
            }
            if (now)
                skillbase__reply__free_unpacked(now, NULL);
            fw_bytes_free(&body);
            while (done < sent && got[done])
                done++;
        }
    }
    rc = 0;
out:
    free(got);
    zmq_close(sock);
    return rc;
}

/* ---------------------------------------------------------------- ledger */

int fc_ledger_append(const char *path, const fl_result *r)
{
    FILE *f = fopen(path, "a");
    if (!f) {
        fprintf(stderr, "sb_fault: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < r->n_acked; i++) {
        fprintf(f, "%s %u %llu", r->acked[i].request_id, r->acked[i].events,
                (unsigned long long)r->acked[i].seq);
        if (r->acked[i].mark)
            fprintf(f, " %llu", (unsigned long long)r->acked[i].mark);
        fputc('\n', f);
    }
    return fclose(f) ? -1 : 0;
}

/* ---------------------------------------------------------------- request ids in the log */

typedef struct {
    char *key;
    uint32_t count;
    uint64_t last_seq;
} slot;

struct fc_ids {
    slot *slots;
    size_t cap, n;
};
typedef struct fc_ids idmap;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

static slot *idmap_find(idmap *m, const char *key, int add)
{
    if (add && (m->n + 1) * 2 > m->cap) {
        idmap bigger = {calloc(m->cap ? m->cap * 2 : 1024, sizeof(slot)),
                        m->cap ? m->cap * 2 : 1024, 0};
        if (!bigger.slots)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slots[i].key)
                continue;
            size_t j = hash(m->slots[i].key) & (bigger.cap - 1);
            while (bigger.slots[j].key)
                j = (j + 1) & (bigger.cap - 1);
            bigger.slots[j] = m->slots[i];
            bigger.n++;
        }
        free(m->slots);
        *m = bigger;
    }
    if (!m->cap)
        return NULL;
    size_t j = hash(key) & (m->cap - 1);
    while (m->slots[j].key) {
        if (strcmp(m->slots[j].key, key) == 0)
            return &m->slots[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!add)
        return NULL;
    m->slots[j].key = strdup(key);
    if (!m->slots[j].key)
        return NULL;
    m->n++;
    return &m->slots[j];
}

static void idmap_free(idmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
}

/* ---------------------------------------------------------------- the log */

static Skillbase__Reply *call(sb_client *c, Skillbase__Request *req)
{
    Skillbase__Reply *rep = NULL;
    int rc = sb_client_call(c, req, &rep);
    if (rc) {
        fprintf(stderr, "sb_fault: no answer to %s (%d)\n",
                req->command_case == SKILLBASE__REQUEST__COMMAND_READ_EVENTS ? "read_events"
                                                                             : "audit_verify",
                rc);
        return NULL;
    }
    if (rep->code != SKILLBASE__ERROR_CODE__OK) {
        fprintf(stderr, "sb_fault: refused: %d %s\n", rep->code, rep->message);
        skillbase__reply__free_unpacked(rep, NULL);
        return NULL;
    }
    return rep;
}

static int read_log(sb_client *c, idmap *ids, fc_report *rep)
{
    uint64_t from = 1, expect = 1;
    for (;;) {
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__ReadEvents re = SKILLBASE__READ_EVENTS__INIT;
        re.from_seq = from;
        re.limit = PAGE;
        req.actor = (char *)"fault-check";
        req.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
        req.read_events = &re;
        Skillbase__Reply *r = call(c, &req);
        if (!r || r->result_case != SKILLBASE__REPLY__RESULT_EVENTS) {
            if (r)
                skillbase__reply__free_unpacked(r, NULL);
            return -1;
        }
        Skillbase__EventPage *p = r->events;
        for (size_t i = 0; i < p->n_events; i++) {
            Skillbase__Event *e = p->events[i];
            if (e->seq != expect)
                problem(rep, "log: event %llu where %llu was due (a gap or a duplicate)",
                        (unsigned long long)e->seq, (unsigned long long)expect);
            expect = e->seq + 1;
            rep->events++;
            slot *s = idmap_find(ids, e->request_id ? e->request_id : "", 1);
            if (!s) {
                skillbase__reply__free_unpacked(r, NULL);
                return -1;
            }
            s->count++;
            if (e->seq > s->last_seq)
                s->last_seq = e->seq;
        }
        uint64_t next = p->next_seq;
        rep->last_seq = p->last_seq;
        skillbase__reply__free_unpacked(r, NULL);
        if (!next)
            break;
        from = next;
    }
    if (expect - 1 != rep->last_seq)
        problem(rep, "log: read up to %llu, the daemon's last sequence is %llu",
                (unsigned long long)(expect - 1), (unsigned long long)rep->last_seq);
    return 0;
}

static int check_ledger(const char *path, idmap *ids, fc_report *rep)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "sb_fault: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512], rid[128];
    unsigned events;
    unsigned long long seq;
    /* "<request_id> <events> <seq>", and the power-loss mark after it */
    while (fgets(line, sizeof line, f) && sscanf(line, "%127s %u %llu", rid, &events, &seq) == 3) {
        slot *s = idmap_find(ids, rid, 0);
        rep->ledger++;
        uint32_t n = s ? s->count : 0;
        if (n != events)
            problem(rep, "acknowledged write %s: %u events in the log, expected %u", rid, n,
                    events);
        else if (s && s->last_seq != seq)
            problem(rep, "acknowledged write %s: its last event is %llu, its answer said %llu", rid,
                    (unsigned long long)s->last_seq, seq);
    }
    fclose(f);
    return 0;
}

static int check_audit(sb_client *c, fc_report *rep)
{
    uint64_t from = 1;
    for (;;) {
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__AuditVerify av = SKILLBASE__AUDIT_VERIFY__INIT;
        av.from_seq = from;
        av.limit = 100000;
        req.actor = (char *)"fault-check";
        req.command_case = SKILLBASE__REQUEST__COMMAND_AUDIT_VERIFY;
        req.audit_verify = &av;
        Skillbase__Reply *r = call(c, &req);
        if (!r || r->result_case != SKILLBASE__REPLY__RESULT_AUDIT) {
            fprintf(stderr, "sb_fault: audit verify from %llu: %s\n", (unsigned long long)from,
                    !r           ? "no answer"
                    : r->message ? r->message
                                 : "no audit report");
            if (r)
                skillbase__reply__free_unpacked(r, NULL);
            return -1;
        }
        Skillbase__AuditReport *a = r->audit;
        if (!a->ok)
            problem(rep, "audit chain: event %llu does not verify: %s",
                    (unsigned long long)a->bad_seq, a->problem ? a->problem : "");
        if (a->ok && a->to_seq)
            rep->audit_checked += a->to_seq - a->from_seq + 1;
        uint64_t next = a->ok ? a->next_seq : 0;
        skillbase__reply__free_unpacked(r, NULL);
        if (!next)
            break;
        from = next;
    }
    return 0;
}

int fc_log_check(const char *endpoint, const char *ledger, fc_report *rep)
{
    sb_client *c = NULL;
    sb_client_options co = {.endpoint = endpoint, .timeout_ms = 20000, .retries = 2};
    idmap ids = {0};
    int rc = -1;
    if (sb_client_new(&co, &c))
        return -1;
    if (read_log(c, &ids, rep) == 0 && (!ledger || check_ledger(ledger, &ids, rep) == 0) &&
        check_audit(c, rep) == 0)
        rc = 0;
    idmap_free(&ids);
    sb_client_destroy(&c);
    return rc;
}

int fc_log_read(const char *endpoint, fc_ids **ret, fc_report *rep)
{
    sb_client *c = NULL;
    sb_client_options co = {.endpoint = endpoint, .timeout_ms = 20000, .retries = 2};
    idmap *ids = calloc(1, sizeof *ids);
    int rc = -1;
    if (!ids || sb_client_new(&co, &c)) {
        free(ids);
        return -1;
    }
    rc = read_log(c, ids, rep);
    sb_client_destroy(&c);
    if (rc) {
        idmap_free(ids);
        free(ids);
        return -1;
    }
    *ret = ids;
    return 0;
}

uint32_t fc_ids_count(fc_ids *ids, const char *request_id, uint64_t *ret_last_seq)
{
    slot *s = idmap_find(ids, request_id, 0);
    if (ret_last_seq)
        *ret_last_seq = s ? s->last_seq : 0;
    return s ? s->count : 0;
}

void fc_ids_free(fc_ids **ids)
{
    if (!ids || !*ids)
        return;
    idmap_free(*ids);
    free(*ids);
    *ids = NULL;
}
