/* The registers' details on a list page (docs/protocol.md "List"): with
 * List.details, each sub-base of the page carries the unit type and the
 * projects of the application it came from, read in the page's own read
 * transaction. The roster and the statistics then cost one request per
 * page, whatever the store's size, and see one consistent snapshot. */
#include "handlers_private.h"
#include "sb_error.h"

int sb_handler_list_details(sb_call *call, Skillbase__Record **records, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        Skillbase__Base *b = records[i]->sub_base;
        if (records[i]->record_case != SKILLBASE__RECORD__RECORD_SUB_BASE || !b ||
            !b->application_id || !b->application_id[0])
            continue;
        Skillbase__Record *app = NULL;
        int rc = sb_store_record_get(call->txn, b->application_id, &call->arena->pb, &app);
        if (rc == SB_E(SB_NOT_FOUND))
            continue; /* a sub-base whose application is gone prints no details */
        if (rc)
            return rc;
        const Skillbase__ApplicationForm *f =
            app->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && app->application
                ? app->application->form
                : NULL;
        if (!f)
            continue;
        /* the arena owns both records: the base may point into the other */
        if (f->unit)
            b->unit_type = f->unit->type;
        if (!b->n_projects) { /* never amended: the application's are in force */
            b->n_projects = f->n_projects;
            b->projects = f->projects;
        }
    }
    return 0;
}
