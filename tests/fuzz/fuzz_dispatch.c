/* libFuzzer harness: sb_dispatch's decode-and-validate path for every
 * command, on a real store in a temporary directory (docs/security.md,
 * "Fuzzing"). Each input is a batch of request frames (fuzz_frames.h),
 * each from a caller of some role, applied in one write transaction that
 * is then aborted, so every input starts from the same empty store. Every
 * reply must decode and echo the request's id. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "documents.h"
#include "fuzz_frames.h"
#include "sb_arena.h"
#include "sb_error.h"
#include "sb_log.h"
#include "store.h"

static char dir[64];
static sb_store *store;
static sb_docs *docs;
static sb_config config;
static sb_arena arena;

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return 1790000000000ull; /* 2026-09-22, a working day */
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    sb_docs_close(&docs);
    sb_store_close(&store);
    sb_arena_destroy(&arena);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[1024];
    snprintf(dir, sizeof dir, "/tmp/sb-fuzz-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    sb_log_set_level(SB_LOG_ERROR);
    sb_config_defaults(&config);
    snprintf(config.state_dir, sizeof config.state_dir, "%s", dir);
    if (sb_config_finish(&config, err, sizeof err)) {
        fprintf(stderr, "fuzz_dispatch: %s\n", err);
        abort();
    }
    sb_store_options o = {.dir = dir};
    if (sb_store_open(&o, &store))
        abort();
    /* uploads write into dir/documents (small: the frames are small) */
    if (sb_docs_open(&config, &docs))
        abort();
    sb_arena_init(&arena, 0);
    atexit(cleanup);
    return 0;
}

static char *service_types[] = {"unit.deregistered", "complaint.verified"};
static char *worker_types[] = {"notify", "*"};

static void caller_of(uint8_t sel, sb_caller *c)
{
    static const unsigned roles[8] = {SB_ROLE_ANY,
                                      SB_ROLE_OPERATOR,
                                      SB_ROLE_REVIEWER,
                                      SB_ROLE_SERVICE,
                                      SB_ROLE_WORKER,
                                      SB_ROLE_READER,
                                      0,
                                      SB_ROLE_OPERATOR};
    memset(c, 0, sizeof *c);
    c->role = roles[sel & 7];
    if (sel & FUZZ_AUTH) {
        c->name = c->role == SB_ROLE_SERVICE ? "market-registry"
                  : sel & FUZZ_SECOND        ? "bob"
                                             : "alice";
        if (c->role == SB_ROLE_SERVICE) {
            c->types = service_types;
            c->n_types = 2;
        } else if (c->role == SB_ROLE_WORKER) {
            c->types = worker_types;
            c->n_types = 2;
        }
    }
    if (!c->role)
        c->refusal = "this key was removed from the keys file";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    config.four_eyes_certify = data[0] & FUZZ_CERTIFY;
    config.four_eyes_revoke = data[0] & FUZZ_REVOKE;
    sb_dispatch_ctx ctx = {.store = store, .config = &config, .now_ms = fixed_clock, .docs = docs};
    sb_txn *txn;
    if (sb_store_begin(store, true, &txn))
        abort();
    size_t pos = 1;
    while (pos + 3 <= size) {
        sb_caller caller;
        caller_of(data[pos], &caller);
        size_t n = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (n > size - pos)
            n = size - pos;
        sb_dispatch_result r;
        sb_arena_reset(&arena);
        int rc = sb_dispatch_as(&ctx, txn, &caller, data + pos, n, &arena, &r);
        pos += n;
        if (rc == SB_E(SB_STORE_FULL))
            break;
        if (rc) {
            fprintf(stderr, "sb_dispatch failed: %s\n", sb_error_name(rc));
            abort();
        }
        /* the reply always decodes and answers this request */
        Skillbase__Reply *reply = skillbase__reply__unpack(NULL, r.len, r.reply);
        if (!reply || strcmp(reply->request_id ? reply->request_id : "", r.request_id))
            abort();
        if (reply->code == SB_OK && !caller.role)
            abort(); /* a caller without a role was served */
        skillbase__reply__free_unpacked(reply, NULL);
    }
    sb_store_abort(&txn);
    return 0;
}
