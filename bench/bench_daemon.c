#include "bench_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_proto.h"
#include "bench_stats.h"

pid_t bench_daemon_start(const char *path, const char *state_dir, const char *endpoint,
                         const char *log_path, const char *config)
{
    if (access(path, X_OK)) {
        fprintf(stderr, "skillbase-bench: daemon %s: %s (use --daemon PATH)\n", path,
                strerror(errno));
        return -1;
    }
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log < 0) {
        fprintf(stderr, "skillbase-bench: %s: %s\n", log_path, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "skillbase-bench: fork: %s\n", strerror(errno));
        close(log);
        return -1;
    }
    if (pid == 0) {
        /* never outlive the benchmark, even when it crashes */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(log, 1);
        dup2(log, 2);
        if (config)
            execl(path, path, "--state-dir", state_dir, "--command-endpoint", endpoint,
                  "--log-level", "warn", "--config", config, (char *)NULL);
        else
            execl(path, path, "--state-dir", state_dir, "--command-endpoint", endpoint,
                  "--log-level", "warn", (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(log);
    return pid;
}

/* Whether a message waiting on s is an OK reply; reads it whole. */
static int read_ok_reply(void *s)
{
    int ok = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        if (!more && zmq_msg_size(&m)) {
            Skillbase__Reply *r =
                skillbase__reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
            ok = r && r->code == SKILLBASE__ERROR_CODE__OK;
            if (r)
                skillbase__reply__free_unpacked(r, NULL);
        }
        zmq_msg_close(&m);
    }
    return ok;
}

int bench_daemon_wait_ready(void *zctx, const char *endpoint, pid_t pid, double timeout_s,
                            double *ret_ms)
{
    uint64_t t0 = bench_now_ns();
    uint64_t end = t0 + (uint64_t)(timeout_s * 1e9), next_send = t0;
    /* retry the connection often, so the figure is the daemon's, not ours */
    void *s = bench_dealer_open(zctx, endpoint, 2);
    if (!s)
        return -1;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    uint8_t buf[256];
    req.protocol = 1;
    req.request_id = (char *)"bench-ready";
    req.actor = (char *)"skillbase-bench";
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    size_t len = skillbase__request__pack(&req, buf);
    int rc = -1;
    while (bench_now_ns() < end) {
        /* A request sent before the daemon listens may be lost with the
         * failed connection: send again now and then, and take an answer
         * to any of them. */
        if (bench_now_ns() >= next_send) {
            if (zmq_send(s, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
                zmq_send(s, buf, len, ZMQ_DONTWAIT);
            next_send = bench_now_ns() + 50 * 1000000ull;
        }
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 1) > 0 && read_ok_reply(s)) {
            *ret_ms = (double)(bench_now_ns() - t0) / 1e6;
            rc = 0;
            break;
        }
        int status;
        if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "skillbase-bench: the daemon exited (status %d) before answering\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            break;
        }
    }
    if (rc && bench_now_ns() >= end)
        fprintf(stderr, "skillbase-bench: no answer from %s within %.0f s\n", endpoint, timeout_s);
    zmq_close(s);
    return rc;
}

int bench_daemon_stop(pid_t pid, double timeout_s)
{
    int status;
    if (kill(pid, SIGTERM) && errno != ESRCH)
        return -1;
    uint64_t end = bench_now_ns() + (uint64_t)(timeout_s * 1e9);
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0)
            return -1;
        if (bench_now_ns() >= end) {
            fprintf(stderr, "skillbase-bench: the daemon did not stop in %.0f s: killing it\n",
                    timeout_s);
            kill(pid, SIGKILL);
            if (waitpid(pid, &status, 0) != pid)
                return -1;
            break;
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int bench_proc_read(pid_t pid, bench_proc *ret)
{
    char path[64], buf[4096];
    memset(ret, 0, sizeof *ret);
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* fields after the command name, which may hold spaces: "...) S ppid" */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    ret->cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "VmRSS: %llu", &v) == 1)
            ret->rss_kb = v;
        else if (sscanf(line, "VmHWM: %llu", &v) == 1)
            ret->hwm_kb = v;
        else if (sscanf(line, "RssAnon: %llu", &v) == 1)
            ret->anon_kb = v;
        else if (sscanf(line, "RssFile: %llu", &v) == 1)
            ret->file_kb = v;
    }
    fclose(f);
    return 0;
}
