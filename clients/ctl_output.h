/* ctl_output: how skillbasectl prints answers and failures — private to the
 * CLI (clients/skillbasectl.c), not an installed API.
 *
 * Two audiences, one set of calls: people get the lines docs/cli.md
 * describes, --json gets exactly one JSON document on stdout built from the
 * proto messages by pbjson. Paged verbs (list, history, events) hand each
 * page in as it arrives: people see rows at once, --json collects them and
 * prints one array at ctl_output_finish.
 */
#ifndef CTL_OUTPUT_H
#define CTL_OUTPUT_H

#include "skillbase.pb-c.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    bool json;
    json_t *items;    /* collected array for --json, NULL until the first page */
    bool header_done; /* the human table header was printed */
} ctl_output;

/* "a, b or c": the lower-case names of an enum's values other than the
 * unspecified 0 and `skip` (a value only the daemon sets), into buf. */
void ctl_enum_choices(const ProtobufCEnumDescriptor *desc, int skip, char *buf, size_t len);

/* Start printing (nothing is written yet). */
void ctl_output_init(ctl_output *o, bool json);

/* Print a collected --json array (an empty one if no page came), then free
 * what the output holds. Returns 0, or -1 when out of memory. */
int ctl_output_finish(ctl_output *o);

/* Free what the output holds without printing (after a failure). */
void ctl_output_discard(ctl_output *o);

/* Print one JSON document as --json does (compact, on one line, flushed)
 * and release it. Returns 0, or -1 when doc is NULL (out of memory) or was
 * not written. */
int ctl_print_json(json_t *doc);

/* s as it may be printed to a terminal: characters that are not what they
 * look like (controls, bidi controls, separators, bytes that are not
 * UTF-8) escaped (sb_text_escape); one of four rotating static buffers, cut
 * at 4 KiB. */
const char *ctl_text(const char *s);

/* Report a failure: one line "skillbasectl: CODE: MESSAGE[: D1; D2 ...]" on
 * stderr and, with --json, {"error":{...}} on stdout. */
void ctl_print_error(const ctl_output *o, const char *code, const char *message,
                     char *const *details, size_t n_details);

/* The outcome of a write: with `id_only` (apply) the bare id, else "ID:
 * STATE (version N)" and what the command created or decided (`command` is
 * the request's command case). Returns 0, or -1 if the record is empty. */
int ctl_print_written(ctl_output *o, const Skillbase__Record *rec, bool id_only,
                      Skillbase__Request__CommandCase command);

/* One record, `field: value` lines. Returns 0, or -1 if empty. */
int ctl_print_record(ctl_output *o, const Skillbase__Record *rec);

/* One page of `list`. Returns 0, or -1 when out of memory. */
int ctl_print_records(ctl_output *o, Skillbase__Record *const *recs, size_t n);

/* One page of `history` (with_entity false) or `events` (true). */
int ctl_print_events(ctl_output *o, Skillbase__Event *const *events, size_t n, bool with_entity);

/* `status`. Returns 0, or -1 when out of memory. */
int ctl_print_status(ctl_output *o, const Skillbase__StatusInfo *st);

#endif
