/* sb_ingest_map: what an ingested fact does — the table of docs/events.md
 * ("Ingest types") as data.
 *
 * Other services report facts by type ("unit.deregistered", ...). Each row
 * says, for a record of one kind, whether the fact runs a command of the
 * state machines (and with which revocation cause), is recorded as an event
 * without a state change, or becomes a service record for the subsidy; and
 * which payload it needs. Pure: no store, no I/O; the ingest handler
 * (handle_ingest.c) walks the table.
 */
#ifndef SB_INGEST_MAP_H
#define SB_INGEST_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "skillbase.pb-c.h"

typedef enum {
    SB_INGEST_COMMAND = 1, /* run `command` on the record, as an operator would */
    SB_INGEST_NOTE,        /* append an event "<kind>.<note>" on the record, no state change */
    SB_INGEST_SERVICE,     /* store the payload as a service record (subsidy) */
    SB_INGEST_WARN,        /* a warning on the sub-base (Base.warnings) and an event
                            * "<kind>.<note>", no state change */
} sb_ingest_effect;

typedef struct {
    const char *type;     /* "unit.deregistered" */
    Skillbase__Kind kind; /* the kind of record the row is for */
    sb_ingest_effect effect;
    Skillbase__Request__CommandCase command; /* COMMAND: e.g. REVOKE, FILE_OBJECTION */
    Skillbase__Cause cause;                  /* COMMAND = REVOKE: the cause recorded */
    Skillbase__Ingest__PayloadCase payload;  /* the payload it needs; NOT_SET: none */
    const char *action;                      /* IngestResult.action, e.g. "revoke" */
    const char *note;                        /* NOTE: topic suffix, e.g. "competition_hosted" */
} sb_ingest_rule;

/* The whole table (for tests and docs); *ret_n rows. Never NULL. */
const sb_ingest_rule *sb_ingest_map_table(size_t *ret_n);

/* The row for a fact of `type` about a record of `kind`. When the type is
 * known but has no row for that kind, the type's first row is returned all
 * the same, so that applying it gets the state machine's own refusal
 * ("application app-000001 is applied; allowed: ..."). Returns NULL only
 * when `type` is not a known type (or NULL). */
const sb_ingest_rule *sb_ingest_map_find(const char *type, Skillbase__Kind kind);

/* What the fact `in`, whose row is `rule`, does: the row itself, except a
 * complaint.verified without adverse_social_impact — 五(三)3 makes only a
 * verified complaint 且造成不良社会影响 a direct fail — which is recorded as a
 * warning on the sub-base (SB_INGEST_WARN, event "base.complaint_warning"). */
const sb_ingest_rule *sb_ingest_map_effect(const sb_ingest_rule *rule, const Skillbase__Ingest *in);

/* True when `type` is one of the known types. */
bool sb_ingest_type_known(const char *type);

/* The known types, ", "-separated in table order without repeats, into
 * buf (truncated to len bytes); returns buf. For refusals. */
const char *sb_ingest_types(char *buf, size_t len);

#endif
