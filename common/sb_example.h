/* sb_example: the example application (examples/application.json) and
 * the other requests of an application's lifecycle, built with the
 * generated code into storage the caller owns; what the benchmark
 * (bench/), the fault suite's load (tests/faults/sb_fault) and the unit
 * tests (tests/unit/sb_testkit.h) send. Nothing here does I/O or keeps
 * state between calls; the experts' visit is dated today on the process's
 * clock (sb_clock.h).
 */
#ifndef SB_EXAMPLE_H
#define SB_EXAMPLE_H

#include "sb_date.h"
#include "skillbase.pb-c.h"

/* A request and every part the builders below may point it at. The
 * caller owns it (on the stack, say) and keeps it while the request is
 * packed; a builder resets it whole. */
typedef struct {
    Skillbase__Request req;
    Skillbase__Apply apply;
    Skillbase__ApplicationForm form;
    Skillbase__Unit unit;
    Skillbase__Contact contact;
    Skillbase__Project project[2];
    Skillbase__Project *projects[2];
    Skillbase__Site site;
    Skillbase__Staff staff;
    Skillbase__Materials materials;
    Skillbase__Transition transition;
    Skillbase__Evaluate evaluate;
    Skillbase__Assess assess;
    Skillbase__Scores scores;
    Skillbase__Status status;
    char visited_on[SB_DATE_STRLEN]; /* evaluate, assess: the site visit, today (YYYY-MM-DD) */
    char base_name[64];              /* apply: 精工机械 and the organisation code (a name is
                                      * granted to one live sub-base only, 二(三)2) */
} sb_example_request;

/* The example application (examples/application.json; it passes every
 * eligibility check, 二(二) and 二(三)1) of the unit with this credit
 * code, its base_name 精工机械 followed by the code's organisation code
 * (characters 9-17), so each unit's is its own. Returns &m->req, its protocol set; the caller adds
 * request_id, idempotency_key, actor. */
Skillbase__Request *sb_example_apply(sb_example_request *m, const char *credit_code);

/* Command cmd — REVIEW, EVALUATE (a pass), CLOSE_PUBLICITY, WITHDRAW or
 * ASSESS (good scores) — on record `id` with `reason`. Returns &m->req as
 * above, or NULL for another command. */
Skillbase__Request *sb_example_transition(sb_example_request *m,
                                          Skillbase__Request__CommandCase cmd, const char *id,
                                          const char *reason);

/* A status request. Returns &m->req as above. */
Skillbase__Request *sb_example_status(sb_example_request *m);

#endif
