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
#include "sb_drive.h"

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

int bench_daemon_wait_ready(void *zctx, const char *endpoint, pid_t pid, double timeout_s,
                            double *ret_ms)
{
    uint64_t t0 = bench_now_ns();
    uint64_t end = t0 + (uint64_t)(timeout_s * 1e9);
    /* retry the connection often, so the figure is the daemon's, not ours */
    void *s = bench_dealer_open(zctx, endpoint, 2);
    if (!s)
        return -1;
    sb_example_request m;
    Skillbase__Request *req = sb_example_status(&m);
    req->request_id = (char *)"bench-ready";
    req->actor = (char *)"skillbase-bench";
    int rc = -1;
    while (bench_now_ns() < end) {
        /* A request sent before the daemon listens may be lost with the
         * failed connection: send it again every 50 ms; an answer to any
         * of them (they share the request id) will do. */
        uint64_t sent = bench_now_ns();
        Skillbase__Reply *r = sb_drive_call(s, req, 50);
        int ok = r && r->code == SKILLBASE__ERROR_CODE__OK;
        if (r)
            skillbase__reply__free_unpacked(r, NULL);
        if (ok) {
            *ret_ms = (double)(bench_now_ns() - t0) / 1e6;
            rc = 0;
            break;
        }
        if (bench_now_ns() - sent < 50 * 1000000ull) { /* not sent, or refused: not a spin */
            struct timespec ts = {0, 50 * 1000000};
            nanosleep(&ts, NULL);
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
