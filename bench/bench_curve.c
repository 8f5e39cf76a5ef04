#include "bench_curve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sb_keys.h"
#include "sb_keys_edit.h"

static sb_client_curve curve;
static int have_curve;

const sb_client_curve *bench_curve(void)
{
    return have_curve ? &curve : NULL;
}

int bench_curve_from_env(void)
{
    char err[512];
    int r = sb_client_curve_load(NULL, NULL, &curve, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "skillbase-bench: %s\n", err);
        return -1;
    }
    have_curve = r > 0;
    return 0;
}

int bench_curve_prepare(const char *state_dir, const char *work, char *config, size_t len)
{
    char err[512], path[4096];
    sb_keypair server, client;
    if (mkdir(state_dir, 0750) && errno != EEXIST) {
        fprintf(stderr, "skillbase-bench: %s: %s\n", state_dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/server.key", state_dir);
    if (sb_keypair_generate(&server, err, sizeof err) ||
        sb_keypair_generate(&client, err, sizeof err) ||
        sb_keypair_write(path, &server, "the benchmark's daemon", err, sizeof err))
        goto fail;
    snprintf(path, sizeof path, "%s/keys.ini", work);
    if (sb_keys_file_add(path, "bench", SB_KEY_ROLE_OPERATOR, client.public_z85, NULL, err,
                         sizeof err))
        goto fail;
    snprintf(config, len, "%s/bench.ini", work);
    FILE *f = fopen(config, "w");
    if (!f || fprintf(f, "[security]\nkeys = %s\n", path) < 0 || fclose(f)) {
        snprintf(err, sizeof err, "%s: %s", config, strerror(errno));
        goto fail;
    }
    memcpy(curve.server_key, server.public_z85, sizeof curve.server_key);
    memcpy(curve.public_key, client.public_z85, sizeof curve.public_key);
    memcpy(curve.secret_key, client.secret_z85, sizeof curve.secret_key);
    have_curve = 1;
    return 0;
fail:
    fprintf(stderr, "skillbase-bench: CURVE keys: %s\n", err);
    return -1;
}
