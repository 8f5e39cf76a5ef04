/* sb_testkit: what the unit tests share (tests/unit only; never installed).
 *
 * A temporary directory per test and its removal; a store in it, and the
 * records and events the store tests write; the daemon's request path in
 * process (a real store, the defaults of the configuration, a clock the test
 * holds, frames through sb_dispatch or sb_dispatch_as in a write
 * transaction of their own or in a batch the test keeps open); a valid
 * application form; credit codes the daemon's own check accepts; the steps
 * that bring an application to a state; an assertion that names a refusal;
 * and the shipped holiday calendar with dates to compare.
 *
 * Every function fails the running cmocka test when something it needs
 * goes wrong (it never returns an error for the test to check), so a test
 * reads as the behaviour it proves. Replies are decoded with malloc: free
 * them with skillbase__reply__free_unpacked(r, NULL).
 */
#ifndef SB_TESTKIT_H
#define SB_TESTKIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dispatch.h"
#include "sb_example.h"
#include "rules.h"
#include "sb_calendar.h"
#include "sb_date.h"

#define SB_TK_DIR_MAX 64 /* a temporary directory's path, NUL included */
#define SB_TK_ID_MAX 32  /* a record id, NUL included */

/* ------------------------------------------------------------ directories */

/* Make a fresh directory "/tmp/sb-<tag>-XXXXXX" (tag NULL: the test
 * program's name) into dir. */
void sb_tk_tmpdir(char dir[SB_TK_DIR_MAX], const char *tag);

/* Remove dir and everything below it. Returns 0, or -1 when something could
 * not be removed (fit for a cmocka teardown's return). */
int sb_tk_rmtree(const char *dir);

/* ------------------------------------------------------------ the store */

/* Open (creating it if needed) the store in dir with the default sizes. */
sb_store *sb_tk_store_open(const char *dir);

/* What a test of the store holds: a temporary directory, the store's place
 * below it (a subdirectory, so the store's own mkdir is exercised), the
 * store when open and a transaction the test may leave open. */
typedef struct {
    char dir[SB_TK_DIR_MAX];
    char path[SB_TK_DIR_MAX + 8]; /* dir/store */
    sb_store *s;                  /* NULL until the test (or the setup) opens it */
    sb_txn *t;                    /* aborted by the teardown when left open */
} sb_tk_store_fixture;

/* cmocka setup: *state is a fixture in a fresh directory; sb_tk_store_setup
 * leaves the store closed, sb_tk_store_setup_open opens it at path. The
 * teardown aborts t, closes s, removes the directory and frees the fixture. */
int sb_tk_store_setup(void **state);
int sb_tk_store_setup_open(void **state);
int sb_tk_store_teardown(void **state);

/* Close f's store (no transaction may be open) and open it again at path. */
void sb_tk_store_reopen(sb_tk_store_fixture *f);

/* A record and everything it points at, in one block the caller owns. */
typedef struct {
    Skillbase__Record rec;
    Skillbase__Application app;
    Skillbase__ApplicationForm form;
    Skillbase__Unit unit;
    Skillbase__Base base;
    char id[256];
    char credit[64];
    char name[2048]; /* the unit's name: "" until a test fills it */
} sb_tk_record;

/* Fill b with a record of `kind` (application or sub-base), id, state and
 * credit code (NULL: ""), version 1; returns &b->rec. */
Skillbase__Record *sb_tk_record_init(sb_tk_record *b, Skillbase__Kind kind, const char *id,
                                     Skillbase__State state, const char *credit);

/* Put a new record of `kind` under the next id of that kind in t; the id
 * into ret_id (may be NULL). */
void sb_tk_record_create(sb_txn *t, Skillbase__Kind kind, Skillbase__State state,
                         const char *credit, char ret_id[SB_TK_ID_MAX]);

/* Move record id to `state`, keeping its kind and credit code (the stored
 * record is passed as the old one, so the indexes follow). */
void sb_tk_record_move(sb_txn *t, const char *id, Skillbase__State state);

/* Append an event about entity id with `topic`; its sequence number into
 * ret_seq (may be NULL). */
void sb_tk_event_append(sb_txn *t, const char *id, const char *topic, uint64_t *ret_seq);

/* True when record id is in the store (read in a transaction of its own). */
bool sb_tk_record_exists(sb_store *s, const char *id);

/* ------------------------------------------------------------ the request path */

/* 2026-03-10 09:00 in Hangzhou: the clock sb_tk_daemon_setup starts at. */
#define SB_TK_NOW_MS 1773104400000ull

/* The daemon without sockets: its store in a temporary state directory, its
 * configuration and the dispatch context. Tests read and change the fields. */
typedef struct {
    char dir[SB_TK_DIR_MAX]; /* the state directory, removed by sb_tk_daemon_free */
    sb_store *store;
    sb_config config;    /* the defaults, finished; a test may change a field */
    sb_dispatch_ctx ctx; /* reads the clock from now_ms */
    sb_arena arena;      /* one request's memory, reset before each */
    uint64_t now_ms;     /* the clock the handlers read; the test moves it */
    sb_caller caller;    /* who sb_tk_send speaks for: by default an
                          * unauthenticated caller holding every role */
    sb_txn *batch;       /* an open batch the requests join (the test
                          * commits or aborts it), or NULL: each request
                          * commits its own transaction */
} sb_tk_daemon;

/* A daemon in a fresh state directory (tag as for sb_tk_tmpdir) with its
 * clock at now_ms. Free with sb_tk_daemon_free. */
sb_tk_daemon *sb_tk_daemon_new(const char *tag, uint64_t now_ms);

/* Close the store, remove the state directory, free *d and set it NULL.
 * Returns 0, or -1 when the directory could not be removed. */
int sb_tk_daemon_free(sb_tk_daemon **d);

/* cmocka setup and teardown: *state is a daemon at SB_TK_NOW_MS. */
int sb_tk_daemon_setup(void **state);
int sb_tk_daemon_teardown(void **state);

/* Pack req and dispatch it as d->caller, committed unless d->batch is open.
 * A request with protocol 0 is sent as protocol 1 and one with no actor as
 * "tester" (both are written back into req); to send protocol 0 itself,
 * pack the frame and use sb_tk_send_frame. Returns the decoded reply. */
Skillbase__Reply *sb_tk_send(sb_tk_daemon *d, Skillbase__Request *req);

/* sb_tk_send as the caller `name` (an authenticated key; NULL: none) who
 * holds `role` (SB_ROLE_*). d->caller is left as it was. */
Skillbase__Reply *sb_tk_send_as(sb_tk_daemon *d, unsigned role, const char *name,
                                Skillbase__Request *req);

/* Dispatch the bytes of one frame as d->caller; the decoded reply. */
Skillbase__Reply *sb_tk_send_frame(sb_tk_daemon *d, const uint8_t *frame, size_t len);

/* The reply's code; the reply is freed. */
int sb_tk_code(Skillbase__Reply *r);

/* Fail the test unless reply r is OK, naming its code, message and first
 * detail. sb_tk_assert_ok_free frees the reply too. */
#define sb_tk_assert_ok(r) sb_tk__assert_ok((r), false, __FILE__, __LINE__)
#define sb_tk_assert_ok_free(r) sb_tk__assert_ok((r), true, __FILE__, __LINE__)
void sb_tk__assert_ok(Skillbase__Reply *r, bool free_it, const char *file, int line);

/* ------------------------------------------------------------ applications */

/* The credit code of the README's example unit (valid). */
#define SB_TK_CREDIT_CODE "91330100M000100Y4T"
#define SB_TK_CREDIT_LEN 18

/* A valid 统一社会信用代码: the 17 characters of `body` and the check
 * character sb_rules_credit_code_valid accepts. */
void sb_tk_credit_code(const char *body, char out[SB_TK_CREDIT_LEN + 1]);

/* An application form and the messages it points at (form, unit,
 * contact, project[2], site, staff, materials): the example application
 * the benchmark and the fault tool send (common/sb_example.h). */
typedef sb_example_request sb_tk_form;

/* That form, which every condition of 二(二) and 二(三)1 accepts:
 * 杭州精工机械有限公司 (an enterprise) with `credit_code` (kept by pointer),
 * base name 精工机械 and the organisation code, two projects, all four materials; its district
 * given as the alias "xihu", so that tests see it normalised. Tests change fields after. */
void sb_tk_form_init(sb_tk_form *f, const char *credit_code);

/* Send apply with form f (and idempotency key, NULL: none); the reply. */
Skillbase__Reply *sb_tk_apply(sb_tk_daemon *d, sb_tk_form *f, const char *idempotency_key);

/* Send a command whose message is a Transition (review, file_objection,
 * dismiss_objection, uphold_objection, close_publicity, reject, withdraw)
 * or evaluate (with pass set), on id with reason, at expected version
 * `expect` (0: any); the reply. */
Skillbase__Reply *sb_tk_transition(sb_tk_daemon *d, Skillbase__Request__CommandCase command,
                                   const char *id, const char *reason, uint64_t expect);

/* How far sb_tk_application_to moves the clock after evaluate: past any
 * publicity window of the default configuration (30 days). */
#define SB_TK_PUBLICITY_OVER_MS (30ull * 86400 * 1000)

/* Apply with a valid form of credit_code, then review, evaluate (pass) and
 * close publicity as far as `state` (applied, under_review, in_publicity or
 * certified); every step must succeed and land in its state. Before it
 * closes publicity the clock (d->now_ms) moves SB_TK_PUBLICITY_OVER_MS on, so
 * the window has run its course. The application's id into ret_id (may be NULL). */
void sb_tk_application_to(sb_tk_daemon *d, const char *credit_code, Skillbase__State state,
                          char ret_id[SB_TK_ID_MAX]);

/* sb_tk_application_to(certified); the sub-base's id into ret_id (may be
 * NULL). */
void sb_tk_certified_base(sb_tk_daemon *d, const char *credit_code, char ret_id[SB_TK_ID_MAX]);

/* show id, which must succeed; the reply. */
Skillbase__Reply *sb_tk_show(sb_tk_daemon *d, const char *id);

/* read_events from `from` (at most limit, 0: the default), of topics
 * starting with prefix (NULL: all), which must succeed; the reply. */
Skillbase__Reply *sb_tk_read_events(sb_tk_daemon *d, uint64_t from, uint32_t limit,
                                    const char *prefix);

/* Fail the test unless `problems` holds a problem that reads exactly `text`
 * (sb_tk_assert_only_problem: and no other), listing the problems held. */
#define sb_tk_assert_problem(problems, text)                                                       \
    sb_tk__assert_problem((problems), (text), false, __FILE__, __LINE__)
#define sb_tk_assert_only_problem(problems, text)                                                  \
    sb_tk__assert_problem((problems), (text), true, __FILE__, __LINE__)
void sb_tk__assert_problem(const sb_problems *p, const char *text, bool only, const char *file,
                           int line);

/* ------------------------------------------------------------ dates */

/* cmocka setup and teardown: *state is the shipped holiday calendar. */
int sb_tk_calendar_setup(void **state);
int sb_tk_calendar_teardown(void **state);

static inline sb_date sb_tk_date(int year, int month, int day)
{
    return (sb_date){year, month, day};
}

/* Fail the test unless got is year-month-day, naming both. */
#define sb_tk_assert_date(got, y, m, d) sb_tk__assert_date((got), (y), (m), (d), __FILE__, __LINE__)
void sb_tk__assert_date(sb_date got, int year, int month, int day, const char *file, int line);

#endif
