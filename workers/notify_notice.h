/* notify_notice: from one committed event to one rendered notice.
 *
 * The event (with Event.record, the record after the change) becomes a JSON
 * context that templates address by path:
 *   event.*        the Event's fields (seq, topic, action, actor, reason, ...)
 *                  plus event.date, the Hangzhou date of event.time_ms
 *   application.*  the Application when the event is about one
 *   base.*         the sub-base (Base) when the event is about one
 *   record.*       whichever of the two it is
 *   label.*        Chinese and English words for enum values:
 *                  state_zh/state_en (event.to_state), grade_zh/grade_en,
 *                  cause_zh/cause_en (base.revoked_cause), unit_type_zh
 *   info.*         derived values: unit_name, contact_name, contact_email,
 *                  publicity_ends_on (whichever end-date field the
 *                  application carries), days_to_due (base.next_assessment_due
 *                  minus event.date; negative when overdue), days_overdue
 * The template is chosen by notify_templates (topic, then action); the
 * recipients are the applicant's contact address (application form or
 * sub-base contact) when the template addresses the applicant and the
 * address is well formed, plus the configured operator addresses.
 */
#ifndef SB_NOTIFY_NOTICE_H
#define SB_NOTIFY_NOTICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify_templates.h"
#include "skillbase.pb-c.h"

typedef struct {
    const sb_templates *templates;
    char *const *operators; /* operator e-mail addresses */
    size_t operator_count;
    bool notify_applicant; /* false: operators only, whatever templates say */
} sb_notice_settings;

typedef struct {
    char *template_name; /* the template file's name, e.g. "certified" */
    char *subject;       /* one line (line breaks from data become spaces) */
    char *body;
    char **to; /* distinct addresses, the applicant's first */
    size_t to_count;
    char *topic;
    char *action;
    char *entity_id;
    uint64_t seq;
    size_t missing;          /* placeholders that found no value */
    char first_missing[160]; /* the first of them, e.g. "body: no value for {base.name}" */
    char note[256];          /* e.g. why the applicant was left out; "" if none */
} sb_notice;

/* The rendering context of an event (see above). Returns a new object
 * (caller json_decref's it) or NULL when out of memory. */
json_t *sb_notice_context(const Skillbase__Event *ev);

/* Build the notice for an event. Returns 1 and *ret (free with
 * sb_notice_free) when a template applies; 0 when none does (no notice is
 * due; *ret untouched); -1 with a one-line reason in err when rendering
 * failed (out of memory, or a template that renders to nothing). */
int sb_notice_build(const sb_notice_settings *s, const Skillbase__Event *ev, sb_notice **ret,
                    char *err, size_t err_len);

/* Free a notice and set *n to NULL; NULL is ignored. */
void sb_notice_free(sb_notice **n);

/* True when `addr` is a plain mailbox "local@domain" in printable ASCII
 * without spaces, angle brackets, quotes, commas or line breaks: safe to
 * put in an SMTP envelope and a header. */
bool sb_notice_address_ok(const char *addr);

#endif
