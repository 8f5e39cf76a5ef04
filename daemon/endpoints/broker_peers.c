/* sb_peers: connected workers and leases (broker_peers.h). */
#include "broker_peers.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

const char *sb_peers_check_hello(const Skillbase__WorkerHello *h)
{
    if (!h->name || !h->name[0])
        return "hello: name missing";
    if (strlen(h->name) > SB_PEER_NAME_MAX || !sb_rules_text_ok(h->name))
        return "hello: name must be UTF-8 text of at most 128 bytes";
    if (h->n_types == 0)
        return "hello: no job types";
    if (h->n_types > SB_PEER_TYPES_MAX)
        return "hello: more than 32 job types";
    for (size_t i = 0; i < h->n_types; i++)
        if (!sb_jobs_type_ok(h->types[i]))
            return "hello: a job type is not lower-case letters, digits, _ - . (at most 32)";
    if (h->capacity > SB_PEER_CAPACITY_MAX)
        return "hello: capacity above 1024";
    if (h->n_jobs_in_hand > SB_PEER_CAPACITY_MAX)
        return "hello: more than 1024 jobs in hand";
    for (size_t i = 0; i < h->n_jobs_in_hand; i++)
        if (!h->jobs_in_hand[i] || strlen(h->jobs_in_hand[i]) >= SB_JOB_ID_MAX)
            return "hello: a job in hand is not a job id";
    return NULL;
}

sb_peer *sb_peers_find(sb_peers *p, const void *ident, size_t len)
{
    for (sb_peer *w = p->workers; w; w = w->next)
        if (w->ident_len == len && memcmp(w->ident, ident, len) == 0)
            return w;
    return NULL;
}

sb_peer *sb_peers_find_name(sb_peers *p, const char *name)
{
    for (sb_peer *w = p->workers; w; w = w->next)
        if (strcmp(w->name, name) == 0)
            return w;
    return NULL;
}

static void peer_free(sb_peer *w)
{
    for (size_t i = 0; i < w->n_types; i++)
        free(w->types[i]);
    for (size_t i = 0; i < w->n_phantoms; i++)
        free(w->phantoms[i]);
    free(w->types);
    free(w->phantoms);
    free(w->name);
    free(w);
}

sb_peer *sb_peers_add(sb_peers *p, const void *ident, size_t len, const Skillbase__WorkerHello *h,
                      uint64_t now)
{
    if (len > SB_PEER_IDENT_MAX)
        return NULL;
    sb_peer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    memcpy(w->ident, ident, len);
    w->ident_len = len;
    w->name = strdup(h->name);
    w->types = calloc(h->n_types, sizeof *w->types);
    if (!w->name || !w->types)
        goto fail;
    for (; w->n_types < h->n_types; w->n_types++)
        if (!(w->types[w->n_types] = strdup(h->types[w->n_types])))
            goto fail;
    w->capacity = h->capacity ? h->capacity : 1;
    w->last_heard = w->last_sent = now;
    /* append: workers are served in the order they came */
    sb_peer **tail = &p->workers;
    while (*tail)
        tail = &(*tail)->next;
    *tail = w;
    return w;
fail:
    peer_free(w);
    return NULL;
}

void sb_peers_remove(sb_peers *p, sb_peer *w)
{
    for (sb_lease *l = p->leases; l; l = l->next)
        if (l->w == w)
            l->w = NULL;
    for (sb_peer **pp = &p->workers; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    peer_free(w);
}

void sb_peers_clear(sb_peers *p)
{
    while (p->workers)
        sb_peers_remove(p, p->workers);
    while (p->leases)
        sb_peers_lease_drop(p, p->leases);
}

uint32_t sb_peer_free(const sb_peer *w)
{
    uint64_t used = (uint64_t)w->leases + w->pending + w->n_phantoms;
    return used >= w->capacity ? 0 : (uint32_t)(w->capacity - used);
}

bool sb_peer_takes(const sb_peer *w, const char *type)
{
    for (size_t i = 0; i < w->n_types; i++)
        if (strcmp(w->types[i], type) == 0)
            return true;
    return false;
}

int sb_peer_phantom_add(sb_peer *w, const char *id)
{
    char **more = realloc(w->phantoms, (w->n_phantoms + 1) * sizeof *more);
    if (!more)
        return -1;
    w->phantoms = more;
    if (!(w->phantoms[w->n_phantoms] = strdup(id)))
        return -1;
    w->n_phantoms++;
    return 0;
}

bool sb_peer_phantom_drop(sb_peer *w, const char *id)
{
    for (size_t i = 0; i < w->n_phantoms; i++) {
        if (strcmp(w->phantoms[i], id) == 0) {
            free(w->phantoms[i]);
            w->phantoms[i] = w->phantoms[--w->n_phantoms];
            return true;
        }
    }
    return false;
}

sb_lease *sb_peers_lease_add(sb_peers *p, sb_peer *w, const char *id, uint32_t attempt,
                             uint64_t expires)
{
    sb_lease *l = calloc(1, sizeof *l);
    if (!l || strlen(id) >= sizeof l->id) {
        free(l);
        return NULL;
    }
    memcpy(l->id, id, strlen(id) + 1);
    l->attempt = attempt;
    l->w = w;
    l->expires = expires;
    l->next = p->leases;
    p->leases = l;
    if (w)
        w->leases++;
    return l;
}

sb_lease *sb_peers_lease_find(sb_peers *p, const char *id)
{
    for (sb_lease *l = p->leases; l; l = l->next)
        if (strcmp(l->id, id) == 0)
            return l;
    return NULL;
}

void sb_peers_lease_move(sb_lease *l, sb_peer *to)
{
    if (l->w)
        l->w->leases--;
    l->w = to;
    if (to)
        to->leases++;
}

void sb_peers_lease_drop(sb_peers *p, sb_lease *l)
{
    for (sb_lease **pp = &p->leases; *pp; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            if (l->w)
                l->w->leases--;
            free(l);
            return;
        }
    }
}

uint64_t sb_peers_next_expiry(const sb_peers *p)
{
    uint64_t t = UINT64_MAX;
    for (const sb_lease *l = p->leases; l; l = l->next)
        if (l->expires < t)
            t = l->expires;
    return t;
}

void sb_peers_rotate(sb_peers *p)
{
    sb_peer *first = p->workers;
    if (!first || !first->next)
        return;
    p->workers = first->next;
    first->next = NULL;
    sb_peer **tail = &p->workers;
    while (*tail)
        tail = &(*tail)->next;
    *tail = first;
}
