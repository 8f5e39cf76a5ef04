/* Private to the handlers: helpers shared by handlers.c, handle_application.c
 * and handle_base.c. Not part of any API. */
#ifndef SB_HANDLERS_PRIVATE_H
#define SB_HANDLERS_PRIVATE_H

#include "handlers.h"
#include "machine.h"
#include "rules.h"

/* Load record `id`; on NOT_FOUND or a bad id the reply is set. */
int sb__load(sb_call *call, const char *id, Skillbase__Record **ret);

/* Refuse with STALE_VERSION when the request expects another version. */
int sb__check_version(sb_call *call, const char *id, uint64_t version);

/* Require a non-empty, well-formed reason (or, when !required, only
 * well-formed). */
int sb__check_reason(sb_call *call, const char *reason, bool required, const char *action);

/* Find the transition or refuse with WRONG_STATE naming what is allowed. */
int sb__find(sb_call *call, Skillbase__Kind kind, const char *id, Skillbase__State from,
             bool objection_open, sb_action action, const sb_transition **ret);

/* Write the record and append its event (topic "<kind>.<to_state>"); sets
 * reply->seq. `from` is STATE_UNSPECIFIED for a creation. */
int sb__commit_change(sb_call *call, Skillbase__Record *rec, const Skillbase__Record *old,
                      const char *action, Skillbase__State from, const char *reason);

/* Put the record into the reply as its result. */
void sb__reply_record(sb_call *call, Skillbase__Record *rec);

/* Copy the problems into reply->details and fail with `code`. */
int sb__fail_problems(sb_call *call, int code, const sb_problems *p, const char *message);

/* Shallow copy of a record (and of its inner message) in the arena, so the
 * old version stays intact for index maintenance. */
Skillbase__Record *sb__copy_record(sb_call *call, const Skillbase__Record *rec);

/* Today as "YYYY-MM-DD" in the arena. */
char *sb__today(sb_call *call);

/* The command handlers. */
int sb__handle_apply(sb_call *call);
int sb__handle_review(sb_call *call);
int sb__handle_evaluate(sb_call *call);
int sb__handle_file_objection(sb_call *call);
int sb__handle_dismiss_objection(sb_call *call);
int sb__handle_uphold_objection(sb_call *call);
int sb__handle_close_publicity(sb_call *call);
int sb__handle_reject(sb_call *call);
int sb__handle_withdraw(sb_call *call);
int sb__handle_assess(sb_call *call);
int sb__handle_revoke(sb_call *call);

#endif
