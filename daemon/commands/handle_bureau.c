/* The bureau's choices (bureau.h: the configuration table's rows marked as
 * the bureau's choice) as Setting rows for status and rules. */
#include "bureau.h"
#include "handlers_private.h"
#include "sb_error.h"

int sb_handler_bureau_settings(sb_call *call, Skillbase__Setting ***ret, size_t *ret_n)
{
    size_t n = sb_bureau_choices(call->config, NULL, 0);
    sb_bureau_choice *rows = sb_arena_alloc(call->arena, n * sizeof *rows);
    if (!rows || sb_bureau_choices(call->config, rows, n) != n)
        return SB_E(SB_INTERNAL);
    Skillbase__Setting **out = sb_arena_alloc(call->arena, n * sizeof *out);
    if (!out)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < n; i++) {
        Skillbase__Setting *s = sb_arena_alloc(call->arena, sizeof *s);
        if (!s)
            return SB_E(SB_INTERNAL);
        skillbase__setting__init(s);
        s->name = rows[i].name; /* in the arena with the reply */
        s->value = rows[i].value;
        s->meaning = (char *)rows[i].meaning;
        s->decided_by = rows[i].decided_by;
        if (!s->value)
            return SB_E(SB_INTERNAL);
        out[i] = s;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

int sb_handler_bureau_status(sb_call *call, Skillbase__StatusInfo *st)
{
    int rc = sb_handler_bureau_settings(call, &st->bureau_choices, &st->n_bureau_choices);
    if (rc)
        return rc;
    const char *w = sb_bureau_rubric_warning(call->config);
    if (w) {
        st->warnings = sb_arena_alloc(call->arena, sizeof *st->warnings);
        if (!st->warnings)
            return SB_E(SB_INTERNAL);
        st->warnings[0] = (char *)w;
        st->n_warnings = 1;
    }
    return 0;
}
