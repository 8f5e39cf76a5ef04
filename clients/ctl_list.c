/* ctl_list: the paging walk over `list` (see ctl_list.h). */
#include "ctl_list.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_list_each(ctl *c, const ctl_list_walk *w, ctl_list_fn *fn, void *ctx)
{
    char *after = strdup("");
    int r = after ? 0 : ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    while (after && !r) {
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__List list = SKILLBASE__LIST__INIT;
        Skillbase__Reply *reply;
        list.state = w->state;
        list.kind = w->kind;
        list.details = w->details;
        list.limit = MAX_PAGE;
        list.after = after;
        req.command_case = SKILLBASE__REQUEST__COMMAND_LIST;
        req.list = &list;
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_PAGE, &reply);
        if (r)
            break;
        const Skillbase__RecordPage *pg = reply->page;
        for (size_t i = 0; i < pg->n_records && !r; i++)
            r = fn(ctx, pg->records[i]);
        if (w->read)
            *w->read += pg->n_records;
        if (w->progress)
            fprintf(stderr, "\r%s: %" PRIu64 " %s read", w->progress,
                    w->read ? *w->read : (uint64_t)pg->n_records, w->noun ? w->noun : "records");
        free(after);
        after = pg->next[0] ? strdup(pg->next) : NULL;
        if (pg->next[0] && !after && !r)
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        skillbase__reply__free_unpacked(reply, NULL);
    }
    free(after);
    return r;
}
