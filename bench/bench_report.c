#include "bench_report.h"

#include <jansson.h>
#include <string.h>

#include "sb_error.h"

static double round3(double v)
{
    return (double)(long long)(v * 1000 + (v >= 0 ? 0.5 : -0.5)) / 1000;
}

static void set_real(json_t *o, const char *k, double v)
{
    json_object_set_new(o, k, json_real(round3(v)));
}

static void set_int(json_t *o, const char *k, uint64_t v)
{
    json_object_set_new(o, k, json_integer((json_int_t)v));
}

static json_t *summary_json(const bench_summary *s)
{
    json_t *o = json_object();
    set_int(o, "count", s->count);
    set_real(o, "p50_ms", s->p50_ms);
    set_real(o, "p90_ms", s->p90_ms);
    set_real(o, "p99_ms", s->p99_ms);
    set_real(o, "max_ms", s->max_ms);
    set_real(o, "mean_ms", s->mean_ms);
    return o;
}

static json_t *run_json(const bench_run *r)
{
    json_t *o = json_object();
    set_int(o, "clients", r->clients);
    set_int(o, "threads", r->threads);
    set_real(o, "seconds", r->window_s);
    set_int(o, "transitions", r->transitions);
    set_real(o, "transitions_per_s", r->transitions_per_s);
    set_real(o, "events_per_s", r->transitions_per_s * r->events_per_transition);
    set_real(o, "p50_ms", r->all.p50_ms);
    set_real(o, "p90_ms", r->all.p90_ms);
    set_real(o, "p99_ms", r->all.p99_ms);
    set_real(o, "max_ms", r->all.max_ms);
    set_real(o, "mean_ms", r->all.mean_ms);
    json_t *cmds = json_object();
    for (int s = 0; s < BENCH_STEP_COUNT; s++)
        json_object_set_new(cmds, bench_step_name(s), summary_json(&r->by_step[s]));
    json_object_set_new(o, "commands", cmds);
    set_int(o, "refusals", r->refusals);
    json_t *by = json_object();
    for (int c = 1; c < 16; c++)
        if (r->refusals_by_code[c])
            set_int(by, sb_error_name(c), r->refusals_by_code[c]);
    json_object_set_new(o, "refusals_by_code", by);
    if (r->have_batches) {
        json_t *b = json_object();
        set_int(b, "count", r->batches);
        set_real(b, "mean", r->batches ? (double)r->batched_requests / (double)r->batches : 0);
        set_int(b, "largest", r->largest_batch);
        json_t *sizes = json_array();
        for (size_t i = 0; i < r->n_batch_sizes; i++)
            json_array_append_new(sizes, json_integer((json_int_t)r->batch_sizes[i]));
        json_object_set_new(b, "sizes_log2", sizes);
        set_real(b, "commit_ms", r->commit_ms_per_batch);
        set_real(b, "apply_us_per_request", r->apply_us_per_request);
        set_real(b, "store_bytes_per_event", r->store_bytes_per_event);
        json_object_set_new(o, "batches", b);
    }
    if (r->have_daemon) {
        json_t *d = json_object();
        set_real(d, "cpu_s", r->daemon_cpu_s);
        set_real(d, "cpu_share", r->daemon_cpu_share);
        set_real(d, "cpu_us_per_transition", r->daemon_cpu_us_per_transition);
        set_real(d, "peak_rss_mb", r->daemon_peak_rss_mb);
        set_real(d, "rss_mb", r->daemon_rss_mb);
        set_real(d, "heap_mb", r->daemon_heap_mb);
        set_real(d, "heap_start_mb", r->daemon_heap_start_mb);
        set_real(d, "heap_end_mb", r->daemon_heap_end_mb);
        set_real(d, "map_rss_mb", r->daemon_map_rss_mb);
        json_object_set_new(o, "daemon", d);
    }
    set_real(o, "client_cpu_s", r->client_cpu_s);
    set_real(o, "client_cpu_us_per_transition", r->client_cpu_us_per_transition);
    set_real(o, "latency_over_floor", r->latency_over_floor);
    set_real(o, "latency_over_scattered_floor", r->latency_over_scattered);
    set_real(o, "throughput_over_lmdb_batched", r->throughput_over_lmdb);
    set_real(o, "messaging_ceiling_per_s", r->echo_per_s);
    set_real(o, "throughput_over_messaging_ceiling", r->throughput_over_echo);
    set_real(o, "messaging_ceiling_cpu_us", r->echo_cpu_us);
    return o;
}

int bench_report_print_json(const bench_report *r, FILE *out)
{
    json_t *o = json_object();
    json_object_set_new(o, "tool", json_string("skillbase-bench"));
    json_object_set_new(o, "version", json_string(SB_VERSION));
    json_object_set_new(o, "transport", json_string(r->transport));
    json_object_set_new(o, "endpoint", json_string(r->endpoint));
    json_object_set_new(o, "daemon_started", json_boolean(r->daemon_started));
    json_object_set_new(o, "idempotency_keys", json_string(r->keys ? r->keys : ""));
    set_real(o, "lmdb_commit_ms", r->floor.lmdb_commit_ms);
    set_real(o, "lmdb_scattered_commit_ms", r->floor.lmdb_scattered_commit_ms);
    set_real(o, "lmdb_batched_puts_per_s", r->floor.lmdb_batched_puts_per_s);
    set_real(o, "zmq_round_trip_ms", r->floor.zmq_round_trip_ms);
    json_t *f = json_object();
    set_real(f, "lmdb_commit_ms", r->floor.lmdb_commit_ms);
    set_real(f, "lmdb_scattered_commit_ms", r->floor.lmdb_scattered_commit_ms);
    set_real(f, "lmdb_batched_puts_per_s", r->floor.lmdb_batched_puts_per_s);
    set_real(f, "zmq_round_trip_ms", r->floor.zmq_round_trip_ms);
    set_real(f, "latency_floor_ms", r->floor.lmdb_commit_ms + r->floor.zmq_round_trip_ms);
    const bench_floor *both[2] = {&r->floor_before, &r->floor_after};
    for (int i = 0; i < 2; i++) {
        json_t *m = json_object();
        set_real(m, "lmdb_commit_ms", both[i]->lmdb_commit_ms);
        set_real(m, "lmdb_scattered_commit_ms", both[i]->lmdb_scattered_commit_ms);
        set_real(m, "lmdb_batched_puts_per_s", both[i]->lmdb_batched_puts_per_s);
        set_real(m, "zmq_round_trip_ms", both[i]->zmq_round_trip_ms);
        json_object_set_new(f, i ? "after" : "before", m);
    }
    json_object_set_new(o, "floor", f);
    set_int(o, "records_preloaded", r->records_preloaded);
    if (r->records_preloaded)
        set_real(o, "preload_s", r->preload_s);
    set_int(o, "store_records", r->store_records);
    set_int(o, "store_bytes", r->store_bytes);
    if (r->have_startup) {
        set_real(o, "startup_ms", r->startup_ms);
        set_int(o, "startup_records", r->startup_records);
    }
    if (r->have_list) {
        json_t *l = summary_json(&r->list_page);
        json_object_set_new(l, "state", json_string("certified"));
        json_object_set_new(l, "limit", json_integer(100));
        json_object_set_new(o, "list_page", l);
    }
    if (r->have_registers) {
        json_t *regs = json_object();
        for (int i = 0; i < BENCH_REGISTERS; i++) {
            const bench_register *g = &r->registers[i];
            json_t *l = summary_json(&g->page);
            json_object_set_new(l, "query", json_string(g->query));
            set_int(l, "pages", g->pages);
            set_int(l, "records", g->records);
            set_int(l, "reply_bytes", g->bytes);
            json_object_set_new(regs, g->name, l);
        }
        json_object_set_new(o, "register_pages", regs);
    }
    json_t *runs = json_array();
    for (size_t i = 0; i < r->n_runs; i++)
        json_array_append_new(runs, run_json(&r->runs[i]));
    json_object_set_new(o, "runs", runs);
    if (r->n_runs == 1) {
        json_t *one = run_json(&r->runs[0]);
        json_object_update_missing(o, one);
        json_decref(one);
    }
    int rc =
        json_dumpf(o, out, JSON_COMPACT | JSON_REAL_PRECISION(12)) == 0 && fputc('\n', out) != EOF
            ? 0
            : -1;
    json_decref(o);
    return rc;
}

void bench_report_print_table(const bench_report *r, FILE *out)
{
    const bench_floor *f = &r->floor;
    fprintf(out, "skillbase-bench %s: %s over %s%s\n", SB_VERSION,
            r->daemon_started ? r->daemon_path : r->endpoint, r->transport,
            r->daemon_started ? " (daemon started by the benchmark)" : "");
    fprintf(out, "store: %llu records, %.1f MB in use", (unsigned long long)r->store_records,
            (double)r->store_bytes / 1e6);
    if (r->records_preloaded)
        fprintf(out, " (%llu preloaded in %.1f s)", (unsigned long long)r->records_preloaded,
                r->preload_s);
    fputc('\n', out);
    if (r->have_startup)
        fprintf(out, "daemon start-up: %.1f ms to first answer at %llu records\n", r->startup_ms,
                (unsigned long long)r->startup_records);
    fprintf(out,
            "floor: LMDB commit of one put (synced) %.3f ms | LMDB 100 puts per commit "
            "%.0f puts/s | ZeroMQ round trip %.3f ms\n"
            "       (the better of before the daemon: %.3f ms, %.0f puts/s, %.3f ms; and after the "
            "runs: %.3f ms, %.0f puts/s, %.3f ms)\n"
            "       LMDB commit of %d puts on as many pages, about what one transition writes "
            "(synced) %.3f ms\n\n",
            f->lmdb_commit_ms, f->lmdb_batched_puts_per_s, f->zmq_round_trip_ms,
            r->floor_before.lmdb_commit_ms, r->floor_before.lmdb_batched_puts_per_s,
            r->floor_before.zmq_round_trip_ms, r->floor_after.lmdb_commit_ms,
            r->floor_after.lmdb_batched_puts_per_s, r->floor_after.zmq_round_trip_ms,
            BENCH_FLOOR_SCATTERED, f->lmdb_scattered_commit_ms);
    fprintf(out, "%7s %13s %8s %8s %8s %8s %11s %9s %8s %9s %9s %9s\n", "clients", "transitions/s",
            "p50 ms", "p90 ms", "p99 ms", "max ms", "batch mean", "daemon", "heap MB", "p50/floor",
            "tps/LMDB", "tps/echo");
    fprintf(out, "%7s %13s %8s %8s %8s %8s %11s %9s %8s %9s %9s %9s\n", "", "", "", "", "", "",
            "(largest)", "CPU", "", "", "batched", "ceiling");
    for (size_t i = 0; i < r->n_runs; i++) {
        const bench_run *x = &r->runs[i];
        char batch[32] = "-", cpu[32] = "-", heap[32] = "-";
        if (x->have_batches && x->batches)
            snprintf(batch, sizeof batch, "%.1f (%llu)",
                     (double)x->batched_requests / (double)x->batches,
                     (unsigned long long)x->largest_batch);
        if (x->have_daemon) {
            snprintf(cpu, sizeof cpu, "%.0f%%", x->daemon_cpu_share * 100);
            snprintf(heap, sizeof heap, "%.1f", x->daemon_heap_mb);
        }
        fprintf(out, "%7u %13.0f %8.3f %8.3f %8.3f %8.2f %11s %9s %8s %9.2f %9.3f %9.3f\n",
                x->clients, x->transitions_per_s, x->all.p50_ms, x->all.p90_ms, x->all.p99_ms,
                x->all.max_ms, batch, cpu, heap, x->latency_over_floor, x->throughput_over_lmdb,
                x->throughput_over_echo);
    }
    fprintf(out, "\nper command, p50 / p99 ms:\n%7s", "clients");
    for (int s = 0; s < BENCH_STEP_COUNT; s++)
        fprintf(out, " %17s", bench_step_name(s));
    fputc('\n', out);
    for (size_t i = 0; i < r->n_runs; i++) {
        const bench_run *x = &r->runs[i];
        fprintf(out, "%7u", x->clients);
        for (int s = 0; s < BENCH_STEP_COUNT; s++) {
            char cell[40];
            snprintf(cell, sizeof cell, "%.3f / %.3f", x->by_step[s].p50_ms, x->by_step[s].p99_ms);
            fprintf(out, " %17s", cell);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < r->n_runs; i++) {
        const bench_run *x = &r->runs[i];
        if (x->refusals)
            fprintf(out, "clients %u: %llu refusals (see stderr)\n", x->clients,
                    (unsigned long long)x->refusals);
        if (x->have_batches && x->batches)
            fprintf(out,
                    "clients %u: %llu batches, commit %.3f ms each, applying %.1f us per request"
                    "; store +%.0f bytes per event; daemon CPU %.1f us per transition, peak RSS "
                    "%.1f MB; p50 %.2f x the scattered floor\n",
                    x->clients, (unsigned long long)x->batches, x->commit_ms_per_batch,
                    x->apply_us_per_request, x->store_bytes_per_event,
                    x->daemon_cpu_us_per_transition, x->daemon_peak_rss_mb,
                    x->latency_over_scattered);
    }
    fprintf(out,
            "messaging ceiling (one thread of DEALERs, one request in flight each, against "
            "a ROUTER that only echoes %d bytes):",
            BENCH_FLOOR_ECHO_BYTES);
    for (size_t i = 0; i < r->n_runs; i++)
        fprintf(out, "%s %u clients %.0f round trips/s", i ? ";" : "", r->runs[i].clients,
                r->runs[i].echo_per_s);
    fputc('\n', out);
    if (r->have_list)
        fprintf(out, "list --state certified, pages of 100: %zu pages, p50 %.3f ms, p99 %.3f ms\n",
                r->list_pages, r->list_page.p50_ms, r->list_page.p99_ms);
    for (int i = 0; r->have_registers && i < BENCH_REGISTERS; i++) {
        const bench_register *g = &r->registers[i];
        fprintf(out,
                "%s, pages of up to %d (%s): %zu pages, %.0f records and %.0f KB a page, "
                "p50 %.2f ms, p90 %.2f ms, max %.2f ms\n",
                g->name, BENCH_REGISTER_PAGE, g->query, g->pages,
                g->pages ? (double)g->records / (double)g->pages : 0,
                g->pages ? (double)g->bytes / (double)g->pages / 1024 : 0, g->page.p50_ms,
                g->page.p90_ms, g->page.max_ms);
    }
}
