/* sb_powerloss: crash images from a trace (docs/powerloss.md). Test-only.
 *
 *   sb_powerloss info  --base DIR --trace FILE
 *       one line of counts: records, writes, syncs, ...
 *   sb_powerloss cuts  --base DIR --trace FILE --count N --seed S
 *       N lines "CUT KEEP SEED": where to cut and how many pending pages to
 *       keep; a third just before a sync (the most unsynced data), a third
 *       just after one, a third anywhere, and the end of the trace
 *   sb_powerloss image --base DIR --trace FILE --cut N --keep P --seed S --out DIR
 *       write the image into DIR; prints "pending N kept N files N"
 *
 * Exits 0, 1 when the trace cannot be read or modelled, 2 on bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_disk.h"

static void usage(void)
{
    fprintf(stderr, "usage: sb_powerloss info  --base DIR --trace FILE\n"
                    "       sb_powerloss cuts  --base DIR --trace FILE --count N --seed S\n"
                    "       sb_powerloss image --base DIR --trace FILE --cut N --keep P --seed S "
                    "--out DIR\n");
}

static int number(const char *flag, const char *s, unsigned long long *ret)
{
    char *end;
    if (!s || !*s || *s == '-')
        goto bad;
    *ret = strtoull(s, &end, 10);
    if (*end == 0)
        return 0;
bad:
    fprintf(stderr, "sb_powerloss: --%s wants a whole number, got '%s'\n", flag, s ? s : "");
    return -1;
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void cuts(const pl_disk *d, unsigned long long count, uint64_t seed)
{
    pl_disk_info in;
    const uint64_t *syncs;
    uint64_t n_syncs, rng = seed;
    pl_disk_info_get(d, &in);
    pl_disk_syncs(d, &syncs, &n_syncs);
    static const double keeps[] = {0.5, 0.0, 1.0, -1.0}; /* -1: drawn per image */
    for (unsigned long long i = 0; i + 1 < count; i++) {
        uint64_t cut;
        if (i % 3 == 2 || n_syncs == 0)
            cut = mix(&rng) % (in.records + 1);
        else
            cut = syncs[mix(&rng) % n_syncs] + (i % 3); /* before it, or just after */
        double keep = keeps[(i / 3) % 4];
        if (keep < 0)
            keep = (double)(mix(&rng) % 1000) / 1000.0;
        printf("%llu %.3f %llu\n", (unsigned long long)cut, keep, (unsigned long long)mix(&rng));
    }
    if (count)
        printf("%llu 0.500 %llu\n", (unsigned long long)in.records, (unsigned long long)mix(&rng));
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"base", required_argument, NULL, 'b'},  {"trace", required_argument, NULL, 't'},
        {"count", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
        {"cut", required_argument, NULL, 'c'},   {"keep", required_argument, NULL, 'k'},
        {"out", required_argument, NULL, 'o'},   {NULL, 0, NULL, 0},
    };
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1], *base = NULL, *trace = NULL, *out = NULL;
    unsigned long long count = 0, seed = 1, cut = 0;
    double keep = 0.5;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'b':
            base = optarg;
            break;
        case 't':
            trace = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'n':
            if (number("count", optarg, &count))
                return 2;
            break;
        case 's':
            if (number("seed", optarg, &seed))
                return 2;
            break;
        case 'c':
            if (number("cut", optarg, &cut))
                return 2;
            break;
        case 'k':
            keep = strtod(optarg, &end);
            if (*end || !(keep >= 0 && keep <= 1)) {
                fprintf(stderr, "sb_powerloss: --keep wants a number from 0 to 1, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        default:
            usage();
            return 2;
        }
    }
    if (!base || !trace) {
        fprintf(stderr, "sb_powerloss: %s needs --base and --trace\n", cmd);
        return 2;
    }
    pl_disk *d;
    if (pl_disk_open(base, trace, &d))
        return 1;
    int rc = 0;
    if (strcmp(cmd, "info") == 0) {
        pl_disk_info in;
        pl_disk_info_get(d, &in);
        printf("records %llu writes %llu write_bytes %llu sync_writes %llu syncs %llu names %llu "
               "renames %llu unlinks %llu truncates %llu allocates %llu notes %llu "
               "unmodelled %llu\n",
               (unsigned long long)in.records, (unsigned long long)in.writes,
               (unsigned long long)in.write_bytes, (unsigned long long)in.sync_writes,
               (unsigned long long)in.syncs, (unsigned long long)in.names,
               (unsigned long long)in.renames, (unsigned long long)in.unlinks,
               (unsigned long long)in.truncates, (unsigned long long)in.allocates,
               (unsigned long long)in.notes, (unsigned long long)in.unmodelled);
    } else if (strcmp(cmd, "cuts") == 0) {
        cuts(d, count, seed);
    } else if (strcmp(cmd, "image") == 0) {
        pl_image_info im;
        if (!out) {
            fprintf(stderr, "sb_powerloss: image needs --out\n");
            rc = 2;
        } else if (pl_disk_image(d, cut, keep, seed, out, &im)) {
            rc = 1;
        } else {
            printf("pending %llu kept %llu files %u\n", (unsigned long long)im.pending_pages,
                   (unsigned long long)im.kept_pages, im.files);
        }
    } else {
        usage();
        rc = 2;
    }
    pl_disk_free(&d);
    return rc;
}
