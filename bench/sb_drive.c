#define _GNU_SOURCE /* program_invocation_short_name */
#include "sb_drive.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sb_clock.h"
#include "sb_date.h"
#include "sb_parse.h"
#include "sb_protocol.h"
#include "sb_publicity.h"

#define WHO program_invocation_short_name

/* ---------------------------------------------------------------- sockets */

void *sb_drive_dealer(void *ctx, const char *endpoint, const sb_drive_dealer_options *o)
{
    static const sb_drive_dealer_options defaults = {0};
    int linger = 0;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!o)
        o = &defaults;
    if (!s) {
        fprintf(stderr, "%s: zmq_socket: %s\n", WHO, zmq_strerror(errno));
        return NULL;
    }
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (o->reconnect_ms > 0)
        zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &o->reconnect_ms, sizeof o->reconnect_ms);
    if (o->max_msg_bytes > 0)
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &o->max_msg_bytes, sizeof o->max_msg_bytes);
    /* tcp:// daemons authenticate every client (docs/security.md) */
    if (o->curve && sb_client_curve_apply(s, o->curve)) {
        fprintf(stderr, "%s: CURVE: %s\n", WHO, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    if (zmq_connect(s, endpoint)) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", WHO, endpoint, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

int sb_drive_send(void *sock, const void *body, size_t len, int flags)
{
    if (zmq_send(sock, "", 0, ZMQ_SNDMORE | flags) < 0)
        return -1;
    return zmq_send(sock, body, len, flags) < 0 ? -1 : 0;
}

int sb_drive_recv(void *sock, zmq_msg_t *ret_body)
{
    int nframes = 0, shape_ok = 1, more = 1;
    zmq_msg_t body;
    zmq_msg_init(&body);
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        /* the rest of a message is there once its first frame is */
        if (zmq_msg_recv(&m, sock, nframes ? 0 : ZMQ_DONTWAIT) < 0) {
            int e = errno;
            zmq_msg_close(&m);
            zmq_msg_close(&body);
            errno = e;
            return -1;
        }
        more = zmq_msg_more(&m);
        if (nframes == 0 && zmq_msg_size(&m) != 0)
            shape_ok = 0;
        if (nframes == 1)
            zmq_msg_move(&body, &m);
        zmq_msg_close(&m);
        nframes++;
    }
    if (nframes != 2 || !shape_ok) {
        zmq_msg_close(&body);
        return 1;
    }
    *ret_body = body;
    return 0;
}

Skillbase__Reply *sb_drive_call(void *dealer, Skillbase__Request *req, int timeout_ms)
{
    uint8_t small[4096], *buf = small;
    size_t len;
    if (sb_drive_pack(req, small, sizeof small, &len)) { /* a large one */
        buf = malloc(len);
        if (!buf || sb_drive_pack(req, buf, len, &len)) {
            free(buf);
            return NULL;
        }
    }
    int rc = sb_drive_send(dealer, buf, len, ZMQ_DONTWAIT);
    if (buf != small)
        free(buf);
    if (rc)
        return NULL;
    uint64_t deadline = sb_clock_mono_ms() + (uint64_t)timeout_ms;
    for (uint64_t now; (now = sb_clock_mono_ms()) < deadline;) {
        zmq_pollitem_t item = {.socket = dealer, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, (long)(deadline - now)) < 0 && errno != EINTR)
            return NULL;
        zmq_msg_t body;
        int k;
        while ((k = sb_drive_recv(dealer, &body)) >= 0) {
            if (k)
                continue;
            Skillbase__Reply *r =
                skillbase__reply__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
            zmq_msg_close(&body);
            if (!r)
                return NULL;
            if (r->request_id && strcmp(r->request_id, req->request_id) == 0)
                return r;
            skillbase__reply__free_unpacked(r, NULL); /* a late answer to another call */
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- requests */

int sb_drive_pack(Skillbase__Request *req, uint8_t *buf, size_t cap, size_t *ret_len)
{
    req->protocol = SB_PROTOCOL_VERSION;
    *ret_len = skillbase__request__get_packed_size(req);
    if (*ret_len > cap)
        return -1;
    skillbase__request__pack(req, buf);
    return 0;
}

/* ---------------------------------------------------------------- credit codes */

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};

char sb_drive_ccode_check(const char *body)
{
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) {
        const char *p = body[i] ? strchr(alphabet, body[i]) : NULL;
        if (!p)
            return 0;
        sum += (unsigned)(p - alphabet) * weights[i];
    }
    return alphabet[(31 - sum % 31) % 31];
}

/* GB 11714-1997: the check digit of an organisation code's first eight
 * characters (weights 3 7 9 10 5 8 4 2; 11 - sum mod 11, 10 is X, 11 is 0). */
static char org_check(const char *body8)
{
    static const unsigned w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    unsigned sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = body8[i];
        sum += w[i] * (c >= '0' && c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'A' + 10));
    }
    unsigned d = 11 - sum % 11;
    return d == 10 ? 'X' : d == 11 ? '0' : (char)('0' + d);
}

uint64_t sb_drive_ccode_space(const char *prefix)
{
    size_t len = strlen(prefix);
    uint64_t space = 1;
    for (size_t i = len; i < 16; i++) {
        if (space > UINT64_MAX / 31)
            return UINT64_MAX;
        space *= 31;
    }
    return space;
}

void sb_drive_ccode_make(const char *prefix, uint64_t n, char out[SB_DRIVE_CCODE_LEN + 1])
{
    size_t len = strlen(prefix);
    uint64_t space = sb_drive_ccode_space(prefix);
    if (len > 15)
        len = 15;
    memcpy(out, prefix, len);
    if (space != UINT64_MAX)
        n %= space;
    for (int i = 15; i >= (int)len; i--, n /= 31)
        out[i] = alphabet[n % 31];
    out[16] = org_check(out + 8);
    out[17] = sb_drive_ccode_check(out);
    out[18] = '\0';
}

/* ---------------------------------------------------------------- odds and ends */

uint64_t sb_drive_random64(void)
{
    uint64_t x;
    if (getrandom(&x, sizeof x, 0) == (ssize_t)sizeof x)
        return x;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    x = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 32);
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
}

int sb_drive_proc_read(pid_t pid, sb_drive_proc *ret)
{
    char path[64], buf[4096];
    sb_drive_proc p = {0};
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the fields after the command name, which may hold spaces: "...) S ppid" */
    char *after = strrchr(buf, ')');
    unsigned long long utime, stime;
    if (!after || sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                         &stime) != 2)
        return -1;
    p.cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(buf, sizeof buf, f)) {
        unsigned long long v;
        if (sscanf(buf, "VmRSS: %llu", &v) == 1)
            p.rss_kb = v;
        else if (sscanf(buf, "VmHWM: %llu", &v) == 1)
            p.hwm_kb = v;
        else if (sscanf(buf, "RssAnon: %llu", &v) == 1)
            p.anon_kb = v;
        else if (sscanf(buf, "RssFile: %llu", &v) == 1)
            p.file_kb = v;
        else if (sscanf(buf, "Threads: %llu", &v) == 1)
            p.threads = (unsigned)v;
    }
    fclose(f);

    snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            p.fds++;
    closedir(d);
    *ret = p;
    return 0;
}

int sb_drive_flag_u64(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
    if (sb_parse_u64(s, min, max, ret) == 0)
        return 0;
    fprintf(stderr, "%s: %s: \"%s\" is not a whole number from %llu to %llu\n", WHO, flag, s,
            (unsigned long long)min, (unsigned long long)max);
    return -1;
}

int sb_drive_flag_number(const char *flag, const char *s, double min, double max, const char *unit,
                         double *ret)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!errno && end != s && !*end && v >= min && v <= max) {
        *ret = v;
        return 0;
    }
    fprintf(stderr, "%s: %s: \"%s\" is not a number%s%s from %g to %g\n", WHO, flag, s,
            unit ? " of " : "", unit ? unit : "", min, max);
    return -1;
}

int sb_drive_clock_write(const char *path, uint64_t ms)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    int bad = !f;
    if (f) {
        bad = fprintf(f, "%llu\n", (unsigned long long)ms) < 0;
        bad |= fclose(f) != 0;
    }
    if (bad || rename(tmp, path)) {
        fprintf(stderr, "test clock %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

uint64_t sb_drive_publicity_close_at_ms(const char *ends_on)
{
    sb_date d;
    if (!ends_on || sb_date_parse(ends_on, &d))
        return 0;
    return sb_publicity_day_end_ms(d);
}
