#include "stream_subs.h"

#include <stdlib.h>
#include <string.h>

sb_stream_sub *sb_stream_subs_find(sb_stream_subs *s, const void *id, size_t id_len)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].id_len == id_len && memcmp(s->v[i].id, id, id_len) == 0)
            return &s->v[i];
    return NULL;
}

int sb_stream_subs_set(sb_stream_subs *s, const void *id, size_t id_len, bool entitled,
                       const uint8_t *const *prefix, const size_t *len, size_t n)
{
    if (id_len == 0 || id_len > SB_STREAM_ID_MAX)
        return -1;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (len[i] > 0xffff)
            return -1;
        bytes += len[i];
    }
    uint8_t *buf = malloc(bytes + 2 * n + 1);
    if (!buf)
        return -1;
    uint8_t *o = buf;
    for (size_t i = 0; i < n; i++) {
        *o++ = (uint8_t)(len[i] >> 8);
        *o++ = (uint8_t)len[i];
        if (len[i])
            memcpy(o, prefix[i], len[i]);
        o += len[i];
    }
    sb_stream_sub *sub = sb_stream_subs_find(s, id, id_len);
    if (!sub) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 8;
            sb_stream_sub *v = realloc(s->v, cap * sizeof *v);
            if (!v) {
                free(buf);
                return -1;
            }
            s->v = v;
            s->cap = cap;
        }
        sub = &s->v[s->n++];
        memset(sub, 0, sizeof *sub);
        memcpy(sub->id, id, id_len);
        sub->id_len = id_len;
    }
    free(sub->prefixes);
    sub->prefixes = buf;
    sub->n = n;
    sub->bytes = bytes;
    sub->entitled = entitled;
    return 0;
}

void sb_stream_subs_remove_at(sb_stream_subs *s, size_t i)
{
    if (i >= s->n)
        return;
    free(s->v[i].prefixes);
    s->v[i] = s->v[--s->n];
    if (s->n == 0) { /* an emptied table gives its memory back */
        free(s->v);
        s->v = NULL;
        s->cap = 0;
    }
}

void sb_stream_subs_remove(sb_stream_subs *s, const void *id, size_t id_len)
{
    sb_stream_sub *sub = sb_stream_subs_find(s, id, id_len);
    if (sub)
        sb_stream_subs_remove_at(s, (size_t)(sub - s->v));
}

bool sb_stream_sub_matches(const sb_stream_sub *sub, const void *topic, size_t tlen)
{
    const uint8_t *p = sub->prefixes;
    for (size_t i = 0; i < sub->n; i++) {
        size_t len = (size_t)p[0] << 8 | p[1];
        p += 2;
        if (len <= tlen && memcmp(p, topic, len) == 0)
            return true;
        p += len;
    }
    return false;
}

void sb_stream_subs_free(sb_stream_subs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].prefixes);
    free(s->v);
    memset(s, 0, sizeof *s);
}
