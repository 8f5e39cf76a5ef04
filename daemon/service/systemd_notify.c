#include "systemd_notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sb_log.h"

#define STATUS_MAX 256

int sb_systemd_notify(const char *message)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!path || !*path)
        return 0;
    size_t len = strlen(path);
    /* An absolute path, or "@" for the abstract namespace; nothing else
     * (systemd also knows vsock addresses, which a daemon of ours never
     * gets). */
    if ((path[0] != '/' && path[0] != '@') || len < 2 || len > sizeof sa.sun_path)
        return -EINVAL;
    memcpy(sa.sun_path, path, len);
    if (sa.sun_path[0] == '@')
        sa.sun_path[0] = '\0';
    /* The exact address length: an abstract name is every byte given, and
     * a trailing NUL would make it another name. */
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int r = 1;
    size_t mlen = strlen(message);
    ssize_t n = sendto(fd, message, mlen, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
    if (n < 0)
        r = -errno;
    else if ((size_t)n != mlen)
        r = -EMSGSIZE;
    close(fd);
    return r;
}

int sb_systemd_notifyf(const char *fmt, ...)
{
    char buf[SB_SYSTEMD_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return sb_systemd_notify(buf);
}

static int parse_u64(const char *s, uint64_t *ret)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *ret = v;
    return 0;
}

/* The watchdog interval systemd asked of this process, in microseconds:
 * $WATCHDOG_USEC when set, positive, and $WATCHDOG_PID is unset or is this
 * process. Returns 0 when no watchdog is wanted. */
static uint64_t sb_systemd_watchdog_usec(void)
{
    uint64_t usec, pid;
    if (parse_u64(getenv("WATCHDOG_USEC"), &usec) || usec == 0)
        return 0;
    /* WATCHDOG_PID names the process the watchdog is for; a child that
     * inherited the environment must not answer for its parent. */
    const char *p = getenv("WATCHDOG_PID");
    if (p && *p && (parse_u64(p, &pid) || pid != (uint64_t)getpid()))
        return 0;
    return usec;
}

struct sb_systemd_watchdog {
    uv_timer_t timer;
    uint64_t watchdog_usec;
    sb_systemd_status_fn status;
    void *arg;
    char last_status[STATUS_MAX];
    int failed; /* a send failed: logged once */
};

static void on_tick(uv_timer_t *t)
{
    sb_systemd_watchdog *w = t->data;
    char msg[STATUS_MAX + 32] = "";
    size_t off = 0;
    if (w->watchdog_usec)
        off = (size_t)snprintf(msg, sizeof msg, "WATCHDOG=1\n");
    if (w->status) {
        char status[STATUS_MAX] = "";
        w->status(w->arg, status, sizeof status);
        status[strcspn(status, "\n")] = '\0';
        if (strcmp(status, w->last_status) != 0) {
            snprintf(msg + off, sizeof msg - off, "STATUS=%s\n", status);
            memcpy(w->last_status, status, sizeof status);
        }
    }
    if (!msg[0])
        return;
    int r = sb_systemd_notify(msg);
    if (r < 0 && !w->failed) {
        w->failed = 1;
        sb_log(SB_LOG_WARN, "systemd notification failed: %s", strerror(-r));
    } else if (r > 0) {
        w->failed = 0;
    }
}

int sb_systemd_watchdog_start(uv_loop_t *loop, uint64_t status_ms, sb_systemd_status_fn status,
                              void *arg, sb_systemd_watchdog **ret)
{
    const char *sock = getenv("NOTIFY_SOCKET");
    *ret = NULL;
    if (!sock || !*sock)
        return 0;
    uint64_t wd = sb_systemd_watchdog_usec();
    if (!wd && !status)
        return 0;
    sb_systemd_watchdog *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    w->watchdog_usec = wd;
    w->status = status;
    w->arg = arg;
    /* Half the interval, as systemd recommends, and never below 1 ms. */
    uint64_t every_ms = status ? (status_ms ? status_ms : 10000) : UINT64_MAX;
    if (wd && wd / 2000 < every_ms)
        every_ms = wd / 2000;
    if (every_ms == 0)
        every_ms = 1;
    int r = uv_timer_init(loop, &w->timer);
    if (r) {
        free(w);
        return r;
    }
    w->timer.data = w;
    uv_timer_start(&w->timer, on_tick, every_ms, every_ms);
    /* The timer alone must not keep the loop alive once everything else
     * has stopped. */
    uv_unref((uv_handle_t *)&w->timer);
    if (wd)
        sb_log(SB_LOG_INFO, "systemd watchdog: keep-alive every %llu ms",
               (unsigned long long)every_ms);
    *ret = w;
    return 0;
}

static void free_on_close(uv_handle_t *h)
{
    free(h->data);
}

void sb_systemd_watchdog_stop(sb_systemd_watchdog **wp)
{
    sb_systemd_watchdog *w = wp ? *wp : NULL;
    if (!w)
        return;
    *wp = NULL;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, free_on_close);
}
