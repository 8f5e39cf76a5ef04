/* skillbasectl import-base: registering sub-bases certified before this
 * system (七(一); docs/cli.md, "Existing sub-bases").
 *
 *   import-base -f BASE.json -r REASON     one, an ImportBase as JSON
 *   import-base --csv FILE -r REASON       many, one a row (columns below)
 *
 * The daemon keys each import on the unit's credit code and the original
 * certificate number, whoever sends it: a row imported before is answered
 * from that key and imports nothing again. Each refused row is reported
 * with its line and the daemon's reason; the good rows still import.
 * The CSV is read with libcsv (RFC 4180: quoted fields, doubled quotes,
 * line breaks inside quotes), UTF-8 with or without a byte-order mark. */
#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "pbjson.h"
#include "sb_error.h"

/* The columns, by header name (any order; the header row is required). */
enum {
    COL_CREDIT_CODE,
    COL_UNIT_NAME,
    COL_UNIT_TYPE,
    COL_DISTRICT,
    COL_LEGAL_PERSON,
    COL_NAME,
    COL_CERTIFIED_ON,
    COL_CERTIFICATE_NO,
    COL_DECISION,
    COL_LEVEL,
    COL_GRADE,
    COL_TOTAL,
    COL_ASSESSED_ON,
    COL_CONTACT_NAME,
    COL_CONTACT_PHONE,
    COL_CONTACT_EMAIL,
    COL_MAX
};
static const char *const col_names[COL_MAX] = {
    "credit_code",  "unit_name",      "unit_type",     "district",     "legal_person", "name",
    "certified_on", "certificate_no", "decision",      "level",        "grade",        "total",
    "assessed_on",  "contact_name",   "contact_phone", "contact_email"};
/* required in the header (the others may be absent or empty) */
static const bool col_required[COL_MAX] = {
    [COL_CREDIT_CODE] = true,    [COL_UNIT_NAME] = true, [COL_UNIT_TYPE] = true,
    [COL_DISTRICT] = true,       [COL_NAME] = true,      [COL_CERTIFIED_ON] = true,
    [COL_CERTIFICATE_NO] = true, [COL_DECISION] = true};

#define MAX_FIELDS 64

typedef struct {
    ctl *c;
    char *field[MAX_FIELDS]; /* the current row */
    size_t n;
    bool too_many;
    long line;     /* physical line of the next byte */
    long row_line; /* where the current row began */
    bool row_open;
    int col_of[MAX_FIELDS]; /* header position -> column, -1: unknown */
    size_t n_header;
    bool have_header, header_bad;
    json_t *results; /* --json: one object a row */
    unsigned long imported, proposed, again, refused, rows;
    int status; /* a failure that stops the run (no answer, bad header) */
} csv_run;

static void row_clear(csv_run *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->field[i]);
    r->n = 0;
    r->too_many = false;
}

static void on_field(void *data, size_t len, void *arg)
{
    csv_run *r = arg;
    if (r->n == MAX_FIELDS) {
        r->too_many = true;
        return;
    }
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, data, len);
        s[len] = '\0';
    }
    r->field[r->n++] = s;
}

static const char *cell(const csv_run *r, int col)
{
    for (size_t i = 0; i < r->n && i < r->n_header; i++)
        if (r->col_of[i] == col)
            return r->field[i] ? r->field[i] : "";
    return "";
}

static bool yes_no(const char *s, bool dflt, bool *ok)
{
    *ok = true;
    if (!*s)
        return dflt;
    if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "是"))
        return true;
    if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "否"))
        return false;
    *ok = false;
    return dflt;
}

/* An enum cell: its name (any case) or, for grades, 优秀 良好 合格 不合格. */
static bool enum_cell(const ProtobufCEnumDescriptor *d, const char *s, int *ret)
{
    static const struct {
        const char *zh;
        Skillbase__Grade g;
    } grades[] = {{"优秀", SKILLBASE__GRADE__EXCELLENT},
                  {"良好", SKILLBASE__GRADE__GOOD},
                  {"合格", SKILLBASE__GRADE__PASS},
                  {"不合格", SKILLBASE__GRADE__FAIL}};
    if (d == &skillbase__grade__descriptor)
        for (size_t i = 0; i < sizeof grades / sizeof grades[0]; i++)
            if (strcmp(s, grades[i].zh) == 0) {
                *ret = grades[i].g;
                return true;
            }
    return pbjson_enum_parse(d, s, ret) == 0;
}

static void report(csv_run *r, const char *outcome, const char *id, const char *code,
                   const char *message)
{
    if (r->results) {
        json_t *o = json_pack("{s:I, s:s}", "line", (json_int_t)r->row_line, "outcome", outcome);
        if (o && id)
            json_object_set_new(o, "id", json_string(id));
        if (o && code)
            json_object_set_new(o, "code", json_string(code));
        if (o && message)
            json_object_set_new(o, "message", json_string(message));
        json_array_append_new(r->results, o);
        return;
    }
    if (code)
        fprintf(stderr, "line %ld: refused: %s: %s\n", r->row_line, code, message);
    else
        printf("line %ld: %s %s\n", r->row_line, outcome, id ? id : "");
}

/* A refused row's reason with the daemon's details, one line. */
static char *reason_text(const Skillbase__Reply *reply)
{
    size_t len = strlen(reply->message) + 1;
    for (size_t i = 0; i < reply->n_details; i++)
        len += strlen(reply->details[i]) + 2;
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    strcpy(s, reply->message);
    for (size_t i = 0; i < reply->n_details; i++) {
        strcat(s, i ? "; " : ": ");
        strcat(s, reply->details[i]);
    }
    return s;
}

static void send_row(csv_run *r)
{
    Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    Skillbase__Contact contact = SKILLBASE__CONTACT__INIT;
    Skillbase__ImportedResult last = SKILLBASE__IMPORTED_RESULT__INIT;
    Skillbase__ImportBase ib = SKILLBASE__IMPORT_BASE__INIT;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    char why[256] = "";
    int v = 0;
    bool ok;

    r->rows++;
    unit.credit_code = (char *)cell(r, COL_CREDIT_CODE);
    unit.name = (char *)cell(r, COL_UNIT_NAME);
    unit.district = (char *)cell(r, COL_DISTRICT);
    if (enum_cell(&skillbase__unit_type__descriptor, cell(r, COL_UNIT_TYPE), &v))
        unit.type = v;
    else
        snprintf(why, sizeof why, "unit_type: \"%s\" is not a unit type", cell(r, COL_UNIT_TYPE));
    unit.legal_person = yes_no(cell(r, COL_LEGAL_PERSON), true, &ok);
    if (!ok && !why[0])
        snprintf(why, sizeof why, "legal_person: yes or no, not \"%s\"", cell(r, COL_LEGAL_PERSON));
    contact.name = (char *)cell(r, COL_CONTACT_NAME);
    contact.phone = (char *)cell(r, COL_CONTACT_PHONE);
    contact.email = (char *)cell(r, COL_CONTACT_EMAIL);
    ib.unit = &unit;
    ib.contact = &contact;
    ib.name = (char *)cell(r, COL_NAME);
    ib.certified_on = (char *)cell(r, COL_CERTIFIED_ON);
    ib.certificate_no = (char *)cell(r, COL_CERTIFICATE_NO);
    ib.decision = (char *)cell(r, COL_DECISION);
    ib.reason = (char *)r->c->reason;
    const char *level = cell(r, COL_LEVEL);
    if (*level && !enum_cell(&skillbase__base_level__descriptor, level, &v) && !why[0])
        snprintf(why, sizeof why, "level: city or district, not \"%s\"", level);
    else if (*level)
        ib.base_level = v;
    const char *grade = cell(r, COL_GRADE);
    if (*grade) {
        if (!enum_cell(&skillbase__grade__descriptor, grade, &v) && !why[0])
            snprintf(why, sizeof why, "grade: excellent, good or pass, not \"%s\"", grade);
        last.grade = v;
        const char *total = cell(r, COL_TOTAL);
        char *end;
        errno = 0;
        unsigned long t = *total ? strtoul(total, &end, 10) : 0;
        if (*total && (errno || *end || t > 1000) && !why[0])
            snprintf(why, sizeof why, "total: a whole number of points, not \"%s\"", total);
        last.total = (uint32_t)t;
        last.assessed_on = (char *)cell(r, COL_ASSESSED_ON);
        ib.last_result = &last;
    } else if ((*cell(r, COL_TOTAL) || *cell(r, COL_ASSESSED_ON)) && !why[0]) {
        snprintf(why, sizeof why, "grade: required with total or assessed_on");
    }
    if (r->too_many && !why[0])
        snprintf(why, sizeof why, "more than %d fields", MAX_FIELDS);
    if (why[0]) {
        r->refused++;
        report(r, "refused", NULL, "invalid", why);
        return;
    }
    req.command_case = SKILLBASE__REQUEST__COMMAND_IMPORT_BASE;
    req.import_base = &ib;
    req.actor = (char *)(r->c->key_file || r->c->server_key || getenv("SKILLBASE_SERVER_KEY")
                             ? ""
                             : r->c->actor);
    Skillbase__Reply *reply = NULL;
    int rc = sb_client_call(r->c->client, &req, &reply);
    if (rc < 0) {
        r->status = ctl_fail(r->c, EXIT_NO_ANSWER, "unavailable",
                             "line %ld: no answer from %s; rows from here on were not sent",
                             r->row_line, r->c->endpoint);
        return;
    }
    if (reply->code != SKILLBASE__ERROR_CODE__OK) {
        char *text = reason_text(reply);
        r->refused++;
        report(r, "refused", NULL, sb_error_name((int)reply->code), text ? text : reply->message);
        free(text);
    } else if (reply->result_case == SKILLBASE__REPLY__RESULT_PROPOSAL && reply->proposal) {
        reply->replayed ? r->again++ : r->proposed++;
        report(r, reply->replayed ? "already proposed" : "proposed", reply->proposal->id, NULL,
               NULL);
    } else if (reply->result_case == SKILLBASE__REPLY__RESULT_RECORD && reply->record &&
               reply->record->sub_base) {
        reply->replayed ? r->again++ : r->imported++;
        report(r, reply->replayed ? "already imported" : "imported", reply->record->sub_base->id,
               NULL, NULL);
    } else {
        r->refused++;
        report(r, "refused", NULL, "malformed", "the daemon's reply carries no result");
    }
    skillbase__reply__free_unpacked(reply, NULL);
}

static void header_row(csv_run *r)
{
    bool seen[COL_MAX] = {false};
    r->have_header = true;
    r->n_header = r->n;
    for (size_t i = 0; i < r->n; i++) {
        const char *h = r->field[i] ? r->field[i] : "";
        r->col_of[i] = -1;
        for (int k = 0; k < COL_MAX; k++)
            if (strcmp(h, col_names[k]) == 0)
                r->col_of[i] = k;
        if (r->col_of[i] < 0) {
            r->status = usage_fail(r->c,
                                   "--csv: line %ld: unknown column \"%s\" (docs/cli.md "
                                   "lists the columns)",
                                   r->row_line, h);
            return;
        }
        seen[r->col_of[i]] = true;
    }
    for (int k = 0; k < COL_MAX; k++)
        if (col_required[k] && !seen[k]) {
            r->status = usage_fail(r->c, "--csv: the header has no column \"%s\"", col_names[k]);
            return;
        }
}

static void on_row(int term, void *arg)
{
    csv_run *r = arg;
    (void)term;
    r->row_open = false;
    if (r->status) {
        row_clear(r);
        return;
    }
    if (!r->have_header)
        header_row(r);
    else if (!(r->n == 1 && (!r->field[0] || !r->field[0][0]))) /* a blank line */
        send_row(r);
    row_clear(r);
}

static int run_csv(ctl *c, const char *path)
{
    struct csv_parser p;
    csv_run r = {.c = c, .line = 1};
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return usage_fail(c, "--csv %s: %s", path, strerror(errno));
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        if (fp != stdin)
            fclose(fp);
        return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    }
    /* open the connection (and check it answers) before the first row */
    Skillbase__Request who = SKILLBASE__REQUEST__INIT;
    Skillbase__WhoAmI w = SKILLBASE__WHO_AM_I__INIT;
    Skillbase__Reply *reply;
    who.command_case = SKILLBASE__REQUEST__COMMAND_WHOAMI;
    who.whoami = &w;
    int st = ctl_call(c, &who, &reply);
    if (st) {
        csv_free(&p);
        if (fp != stdin)
            fclose(fp);
        return st;
    }
    skillbase__reply__free_unpacked(reply, NULL);
    if (c->out.json)
        r.results = json_array();
    int ch, first = 1;
    while (!r.status && (ch = fgetc(fp)) != EOF) {
        char b = (char)ch;
        /* a byte-order mark before the header */
        if (first && (unsigned char)b == 0xEF) {
            int b2 = fgetc(fp), b3 = fgetc(fp);
            if (b2 == 0xBB && b3 == 0xBF) {
                first = 0;
                continue;
            }
            char rest[3] = {b, (char)b2, (char)b3};
            csv_parse(&p, rest, (b2 == EOF) ? 1 : (b3 == EOF) ? 2 : 3, on_field, on_row, &r);
            first = 0;
            continue;
        }
        first = 0;
        if (!r.row_open && b != '\n' && b != '\r') {
            r.row_open = true;
            r.row_line = r.line;
        }
        if (csv_parse(&p, &b, 1, on_field, on_row, &r) != 1) {
            r.status =
                usage_fail(c, "--csv %s: line %ld: %s", path, r.line, csv_strerror(csv_error(&p)));
            break;
        }
        if (b == '\n')
            r.line++;
    }
    if (!r.status && csv_fini(&p, on_field, on_row, &r) != 0)
        r.status = usage_fail(c, "--csv %s: line %ld: %s (a quote left open?)", path, r.row_line,
                              csv_strerror(csv_error(&p)));
    row_clear(&r);
    csv_free(&p);
    if (fp != stdin)
        fclose(fp);
    if (!r.status && !r.have_header)
        r.status = usage_fail(c, "--csv %s: empty: the first line names the columns", path);
    if (r.results) {
        json_t *doc = json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "rows", r.results, "summary",
                                "rows", (json_int_t)r.rows, "imported", (json_int_t)r.imported,
                                "proposed", (json_int_t)r.proposed, "already", (json_int_t)r.again,
                                "refused", (json_int_t)r.refused);
        if (!r.status)
            ctl_print_json(doc);
        else
            json_decref(doc);
    } else if (!r.status) {
        printf("%lu row%s: %lu imported, %lu proposed (four eyes), %lu already imported or "
               "proposed, %lu refused\n",
               r.rows, r.rows == 1 ? "" : "s", r.imported, r.proposed, r.again, r.refused);
    }
    if (r.status)
        return r.status;
    return r.refused ? EXIT_REFUSED : EXIT_DONE;
}

int ctl_verb_import_base(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    if (!c->reason || !c->reason[0])
        return usage_fail(c, "import-base needs -r REASON (why it is imported: the audit trail)");
    if (c->csv && c->file)
        return usage_fail(c, "import-base takes -f BASE.json or --csv FILE, not both");
    if (c->csv)
        return run_csv(c, c->csv);
    if (!c->file)
        return usage_fail(c, "import-base needs -f BASE.json (an ImportBase) or --csv FILE");
    ProtobufCMessage *m;
    int r = ctl_read_json(c, c->file, &skillbase__import_base__descriptor, &m);
    if (r)
        return r;
    Skillbase__ImportBase *ib = (Skillbase__ImportBase *)m;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    char *own = ib->reason; /* -r wins over a reason in the file */
    ib->reason = (char *)c->reason;
    req.command_case = SKILLBASE__REQUEST__COMMAND_IMPORT_BASE;
    req.import_base = ib;
    r = ctl_run_write(c, &req);
    ib->reason = own;
    protobuf_c_message_free_unpacked(m, NULL);
    return r;
}
