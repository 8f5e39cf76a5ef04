/* sb_machine: the two state machines (application, sub-base) as data.
 *
 * One table row per allowed transition: which kind of record, which action,
 * from which state, to which state, under which guard, with which effects.
 * The table is the policy's flow (二 and 五) written down; code only walks
 * it. Pure: no I/O, no store; handlers apply the effects to records.
 */
#ifndef SB_MACHINE_H
#define SB_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

#include "skillbase.pb-c.h"

typedef enum {
    SB_ACT_APPLY = 0,         /* (new) -> applied */
    SB_ACT_REVIEW,            /* applied -> under_review */
    SB_ACT_EVALUATE_PASS,     /* under_review -> in_publicity */
    SB_ACT_EVALUATE_FAIL,     /* under_review -> rejected */
    SB_ACT_FILE_OBJECTION,    /* in_publicity -> under_review */
    SB_ACT_DISMISS_OBJECTION, /* under_review -> in_publicity */
    SB_ACT_UPHOLD_OBJECTION,  /* under_review -> rejected */
    SB_ACT_CLOSE_PUBLICITY,   /* in_publicity -> certified */
    SB_ACT_REJECT,            /* open application -> rejected */
    SB_ACT_WITHDRAW,          /* open application -> withdrawn */
    SB_ACT_CERTIFY_BASE,      /* (new) -> certified, caused by close_publicity */
    SB_ACT_ASSESS_PASS,       /* certified | assessed -> assessed */
    SB_ACT_ASSESS_FAIL,       /* certified | assessed -> revoked */
    SB_ACT_REVOKE,            /* certified | assessed -> revoked */
    SB_ACT_EXIT,              /* certified | assessed -> exited (voluntary) */
    SB_ACT_MAX_,
} sb_action;

/* Guards: conditions on the record besides its state. */
typedef enum {
    SB_GUARD_NONE = 0,
    SB_GUARD_NO_OPEN_OBJECTION, /* objection_open must be false */
    SB_GUARD_OPEN_OBJECTION,    /* objection_open must be true */
} sb_guard;

/* Effects the handler applies besides setting the new state (bit set). */
enum {
    SB_FX_OPEN_OBJECTION = 1 << 0,  /* objection_open = true, objections++ */
    SB_FX_CLOSE_OBJECTION = 1 << 1, /* objection_open = false */
    SB_FX_START_PUBLICITY = 1 << 2, /* publicity_started_on = today */
    SB_FX_CREATE_BASE = 1 << 3,     /* create the sub-base record */
    SB_FX_DECIDED = 1 << 4,         /* decided_on = today */
    SB_FX_WITHDRAW_PLAQUE = 1 << 5, /* plaque_withdrawn, revoked_on, cause */
    SB_FX_RECORD_ASSESSMENT = 1 << 6,
};

/* One allowed transition. `from` is STATE_UNSPECIFIED for creations. */
typedef struct {
    Skillbase__Kind kind;
    sb_action action;
    Skillbase__State from;
    Skillbase__State to;
    sb_guard guard;
    unsigned effects;
} sb_transition;

/* The table itself, for tests and docs; *ret_count rows. */
const sb_transition *sb_machine_table(size_t *ret_count);

/* Find the transition for `action` on a record of `kind` in state `from`
 * with the given objection flag. Returns the row, or NULL when refused; then
 * `why` (if non-NULL) receives one line naming the current state and the
 * actions allowed from it, e.g. "application app-000001 is applied; allowed:
 * review, reject, withdraw". `id` is used only for that message. */
const sb_transition *sb_machine_find(Skillbase__Kind kind, const char *id, Skillbase__State from,
                                     bool objection_open, sb_action action, char *why,
                                     size_t why_len);

/* Operator-facing name of an action ("review", "evaluate", "object", ...);
 * the two outcomes of evaluate and of assess share one name. */
const char *sb_action_name(sb_action action);

/* Lower-case names used on the wire's JSON and in topics. Never NULL
 * ("unknown" for out-of-range values). */
const char *sb_state_name(Skillbase__State state);
const char *sb_kind_name(Skillbase__Kind kind);

/* True when no transition leaves `state` for `kind` (rejected, withdrawn,
 * revoked, exited; also certified for an application, whose life goes on in its
 * sub-base). */
bool sb_machine_is_terminal(Skillbase__Kind kind, Skillbase__State state);

/* The one definition of "live": an application still open, or a sub-base
 * that still holds its name and plaque — a record some transition can
 * still leave. Not live: rejected, withdrawn, certified (an application;
 * its sub-base is), revoked, and any state with no way out (a voluntary
 * exit among them). A unit has at most one live record (one open
 * application or live sub-base, handle_application.c) and a granted name
 * at most one live holder (二(三)2). */
bool sb_machine_is_live(Skillbase__Kind kind, Skillbase__State state);

#endif
