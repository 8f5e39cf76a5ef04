/* ctl_list: the one paging walk over the `list` command that the register
 * verbs (roster, results, stats, publicity-list) share — private to the CLI.
 *
 * Each page is one request, read by the daemon in one read transaction;
 * the walk passes `next` back unchanged (docs/protocol.md, paging) and
 * hands each record to a callback as its page arrives, so no more than one
 * page is held at a time.
 */
#ifndef CTL_LIST_H
#define CTL_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"

/* Called for each record of each page; a non-zero return stops the walk
 * and is what ctl_list_each returns. */
typedef int ctl_list_fn(void *ctx, const Skillbase__Record *rec);

typedef struct {
    Skillbase__Kind kind;   /* application or base */
    Skillbase__State state; /* 0: every state */
    bool details;           /* sub-bases carry unit type and projects (List.details) */
    /* On a terminal only: "\r<progress>: N <noun> read" after each page
     * (NULL: quiet). The caller clears the line when it is done. */
    const char *progress, *noun;
    uint64_t *read; /* records read, added to across walks (may be NULL) */
} ctl_list_walk;

/* Page through every record `w` selects, calling fn(ctx, record) for each.
 * Returns 0, the CLI's failure status of a refused page (already reported
 * through ctl_fail), or fn's non-zero return. */
int ctl_list_each(ctl *c, const ctl_list_walk *w, ctl_list_fn *fn, void *ctx);

#endif
