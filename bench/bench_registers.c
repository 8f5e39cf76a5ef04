/* bench_registers: the per-page cost of the registers (bench_registers.h). */
#include "bench_registers.h"

#include <stdio.h>
#include <string.h>

#include "bench_proto.h"

/* What each register asks a page of (clients/ctl_roster.c, ctl_stats.c,
 * ctl_publicity.c). */
static const struct {
    const char *name, *query;
    Skillbase__Kind kind;
    Skillbase__State state;
    int details;
} registers[BENCH_REGISTERS] = {
    {"list", "list kind=application state=certified", SKILLBASE__KIND__APPLICATION,
     SKILLBASE__STATE__CERTIFIED, 0},
    {"roster", "list kind=base details (unit type and projects read per sub-base)",
     SKILLBASE__KIND__BASE, 0, 1},
    {"results", "list kind=base (every state)", SKILLBASE__KIND__BASE, 0, 0},
    {"publicity-list", "list kind=application state=in_publicity", SKILLBASE__KIND__APPLICATION,
     SKILLBASE__STATE__IN_PUBLICITY, 0},
};

static int probe_one(void *dealer, unsigned pages, int timeout_ms, int i, bench_register *ret)
{
    bench_samples s = {0};
    char after[64] = "";
    int rc = 0;
    *ret = (bench_register){.name = registers[i].name, .query = registers[i].query};
    for (unsigned p = 0; p < pages; p++) {
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__List q = SKILLBASE__LIST__INIT;
        q.kind = registers[i].kind;
        q.state = registers[i].state;
        q.details = registers[i].details;
        q.after = after;
        q.limit = BENCH_REGISTER_PAGE;
        req.command_case = SKILLBASE__REQUEST__COMMAND_LIST;
        req.list = &q;
        uint64_t t = bench_now_ns();
        Skillbase__Reply *r = bench_call(dealer, &req, timeout_ms);
        uint64_t dt = bench_now_ns() - t;
        if (!r || r->code != SKILLBASE__ERROR_CODE__OK ||
            r->result_case != SKILLBASE__REPLY__RESULT_PAGE || !r->page) {
            fprintf(stderr, "skillbase-bench: %s: page %u %s\n", registers[i].name, p + 1,
                    r ? "refused" : "not answered");
            if (r)
                skillbase__reply__free_unpacked(r, NULL);
            rc = -1;
            break;
        }
        bench_samples_add(&s, dt);
        ret->records += r->page->n_records;
        ret->bytes += protobuf_c_message_get_packed_size(&r->base);
        int more = r->page->next && r->page->next[0];
        if (more)
            snprintf(after, sizeof after, "%s", r->page->next);
        skillbase__reply__free_unpacked(r, NULL);
        if (!more)
            break;
    }
    ret->pages = s.n;
    bench_samples_summarise(&s, &ret->page);
    bench_samples_free(&s);
    return rc;
}

int bench_registers_probe(void *dealer, unsigned pages, int timeout_ms, bench_register *ret)
{
    int rc = 0;
    for (int i = 0; i < BENCH_REGISTERS; i++)
        if (probe_one(dealer, pages, timeout_ms, i, &ret[i]))
            rc = -1;
    return rc;
}
