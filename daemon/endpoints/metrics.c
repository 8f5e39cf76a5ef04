#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "sb_log.h"

#define MAX_SOURCES 32
#define RENDER_WAIT_MS 1000
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

const double sb_latency_bounds[SB_LATENCY_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

struct sb_metrics_out {
    char *buf;
    size_t len, cap;
    int oom;
};

struct sb_metrics {
    uv_loop_t *loop;
    uv_async_t async;
    struct MHD_Daemon *mhd;
    unsigned port;
    struct {
        sb_metrics_source_fn fn;
        void *arg;
    } sources[MAX_SOURCES];
    int n_sources;
    /* Shared with the HTTP thread, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    uint64_t wanted;   /* renderings asked for (tickets) */
    uint64_t rendered; /* the ticket the latest rendering answered */
    char *text;        /* the latest rendering */
    size_t text_len;
    int stopping;
};

/* ------------------------------------------------------------ writing */

static void out_reserve(sb_metrics_out *o, size_t more)
{
    if (o->oom || o->len + more + 1 <= o->cap)
        return;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + more + 1)
        cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->oom = 1;
        return;
    }
    o->buf = b;
    o->cap = cap;
}

/* Append printf-style text as is. */
static void sb_metrics_printf(sb_metrics_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_metrics_printf(sb_metrics_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    out_reserve(o, (size_t)n);
    if (o->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    o->len += (size_t)n;
}

void sb_metrics_family(sb_metrics_out *o, const char *name, const char *type, const char *help)
{
    sb_metrics_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void format_value(char *buf, size_t len, double v)
{
    if (isinf(v))
        snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.15g", v);
}

void sb_metrics_sample(sb_metrics_out *o, const char *name, const char *labels, double value)
{
    char v[64];
    format_value(v, sizeof v, value);
    if (labels && *labels)
        sb_metrics_printf(o, "%s{%s} %s\n", name, labels, v);
    else
        sb_metrics_printf(o, "%s %s\n", name, v);
}

void sb_metrics_single(sb_metrics_out *o, const char *name, const char *type, const char *help,
                       double value)
{
    sb_metrics_family(o, name, type, help);
    sb_metrics_sample(o, name, NULL, value);
}

void sb_latency_observe(sb_latency_hist *h, uint64_t usec)
{
    double s = (double)usec / 1e6;
    int i = 0;
    while (i < SB_LATENCY_BUCKETS && s > sb_latency_bounds[i])
        i++;
    h->counts[i]++;
    h->count++;
    h->sum_us += usec;
}

void sb_metrics_latency(sb_metrics_out *o, const char *name, const char *labels,
                        const sb_latency_hist *h)
{
    const char *sep = labels && *labels ? "," : "";
    const char *lab = labels ? labels : "";
    uint64_t cum = 0;
    for (int i = 0; i <= SB_LATENCY_BUCKETS; i++) {
        char le[32];
        cum += h->counts[i];
        if (i < SB_LATENCY_BUCKETS)
            snprintf(le, sizeof le, "%g", sb_latency_bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        sb_metrics_printf(o, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, lab, sep, le,
                          (unsigned long long)cum);
    }
    char sum[64];
    format_value(sum, sizeof sum, (double)h->sum_us / 1e6);
    if (*lab) {
        sb_metrics_printf(o, "%s_sum{%s} %s\n", name, lab, sum);
        sb_metrics_printf(o, "%s_count{%s} %llu\n", name, lab, (unsigned long long)h->count);
    } else {
        sb_metrics_printf(o, "%s_sum %s\n", name, sum);
        sb_metrics_printf(o, "%s_count %llu\n", name, (unsigned long long)h->count);
    }
}

/* ------------------------------------------------------------ addresses */

static int parse_listen(const char *listen, struct sockaddr_storage *ret, char *err, size_t err_len)
{
    char host[64];
    const char *port_s;
    memset(ret, 0, sizeof *ret);
    if (!listen || !*listen)
        goto bad;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port_s = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host)
            goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port_s = colon + 1;
    }
    char *end;
    errno = 0;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || errno || port < 0 || port > 65535)
        goto bad;
    struct sockaddr_in *v4 = (struct sockaddr_in *)ret;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ret;
    if (listen[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (listen[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return 0;
    }
bad:
    snprintf(err, err_len,
             "\"%s\" is not HOST:PORT with a numeric address (e.g. 127.0.0.1:9464 or [::1]:9464)",
             listen ? listen : "");
    return -1;
}

int sb_metrics_listen_check(const char *listen, char *err, size_t err_len)
{
    struct sockaddr_storage sa;
    return parse_listen(listen, &sa, err, err_len);
}

static int is_loopback(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* ------------------------------------------------------------ rendering (loop thread) */

static void on_render(uv_async_t *h)
{
    sb_metrics *m = h->data;
    sb_metrics_out o = {0};
    pthread_mutex_lock(&m->mu);
    uint64_t ticket = m->wanted;
    pthread_mutex_unlock(&m->mu);
    for (int i = 0; i < m->n_sources; i++)
        m->sources[i].fn(m->sources[i].arg, &o);
    pthread_mutex_lock(&m->mu);
    if (!o.oom && o.buf) {
        free(m->text);
        m->text = o.buf;
        m->text_len = o.len;
        o.buf = NULL;
    }
    m->rendered = ticket;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->mu);
    free(o.buf);
}

/* ------------------------------------------------------------ serving (HTTP thread) */

/* A copy of a fresh rendering (or the last one, marked stale). */
static char *take_rendering(sb_metrics *m, size_t *ret_len)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += RENDER_WAIT_MS / 1000;
    pthread_mutex_lock(&m->mu);
    int fresh = 0;
    if (!m->stopping) {
        uint64_t ticket = ++m->wanted;
        pthread_mutex_unlock(&m->mu);
        uv_async_send(&m->async);
        pthread_mutex_lock(&m->mu);
        while (m->rendered < ticket && !m->stopping)
            if (pthread_cond_timedwait(&m->cond, &m->mu, &deadline) == ETIMEDOUT)
                break;
        fresh = m->rendered >= ticket;
    }
    static const char stale_fmt[] =
        "# HELP skillbase_metrics_stale 1 when the event loop did not answer in time and these "
        "numbers are from an earlier scrape\n# TYPE skillbase_metrics_stale gauge\n"
        "skillbase_metrics_stale %d\n";
    size_t cap = m->text_len + sizeof stale_fmt + 8;
    char *copy = malloc(cap);
    if (copy) {
        if (m->text_len)
            memcpy(copy, m->text, m->text_len);
        int n = snprintf(copy + m->text_len, cap - m->text_len, stale_fmt, !fresh);
        *ret_len = m->text_len + (size_t)(n > 0 ? n : 0);
    }
    pthread_mutex_unlock(&m->mu);
    return copy;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result res = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return res;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    sb_metrics *m = cls;
    (void)version, (void)upload, (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
    if (*upload_size)
        return reply_text(c, MHD_HTTP_BAD_REQUEST, "no body expected\n");
    if (strcmp(url, "/") == 0)
        return reply_text(c, MHD_HTTP_OK, "skillbased: metrics at /metrics\n");
    if (strcmp(url, "/metrics") != 0)
        return reply_text(c, MHD_HTTP_NOT_FOUND, "not found; metrics are at /metrics\n");
    size_t len = 0;
    char *text = take_rendering(m, &len);
    if (!text)
        return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", CONTENT_TYPE);
    enum MHD_Result res = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return res;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    sb_log(SB_LOG_WARN, "metrics: %s", line);
}

/* ------------------------------------------------------------ life */

static void free_on_close(uv_handle_t *h)
{
    sb_metrics *m = h->data;
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cond);
    free(m->text);
    free(m);
}

int sb_metrics_start(uv_loop_t *loop, const char *listen, sb_metrics **ret)
{
    struct sockaddr_storage sa;
    char err[256];
    if (parse_listen(listen, &sa, err, sizeof err)) {
        sb_log(SB_LOG_ERROR, "metrics: %s", err);
        return -1;
    }
    if (!is_loopback(&sa))
        sb_log(SB_LOG_WARN,
               "metrics: %s is not a loopback address; the endpoint has no "
               "authentication",
               listen);
    sb_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->loop = loop;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cond, NULL);
    if (uv_async_init(loop, &m->async, on_render)) {
        free(m);
        return -1;
    }
    m->async.data = m;
    /* The async handle must not keep the loop alive by itself. */
    uv_unref((uv_handle_t *)&m->async);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_EXTERNAL_LOGGER,
                              on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                              MHD_OPTION_END);
    if (!m->mhd) {
        sb_log(SB_LOG_ERROR, "metrics: cannot listen on %s (address in use or not local?)", listen);
        uv_close((uv_handle_t *)&m->async, free_on_close);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info ? info->port : 0;
    char host[64];
    if (sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof host);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof host);
    sb_log(SB_LOG_INFO, "metrics: serving http://%s%s%s:%u/metrics",
           sa.ss_family == AF_INET6 ? "[" : "", host, sa.ss_family == AF_INET6 ? "]" : "", m->port);
    *ret = m;
    return 0;
}

int sb_metrics_add_source(sb_metrics *m, sb_metrics_source_fn fn, void *arg)
{
    if (!m || m->n_sources == MAX_SOURCES)
        return -1;
    m->sources[m->n_sources].fn = fn;
    m->sources[m->n_sources].arg = arg;
    m->n_sources++;
    return 0;
}

void sb_metrics_stop(sb_metrics **mp)
{
    sb_metrics *m = mp ? *mp : NULL;
    if (!m)
        return;
    *mp = NULL;
    /* Release a scrape waiting for the loop (this thread) first, then stop
     * the HTTP thread; only then can nobody touch the async handle. */
    pthread_mutex_lock(&m->mu);
    m->stopping = 1;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->mu);
    MHD_stop_daemon(m->mhd);
    uv_close((uv_handle_t *)&m->async, free_on_close);
}
