#include "security.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sb_keys.h"
#include "sb_log.h"
#include "conn_monitor.h"
#include "zap.h"

/* libzmq's draft ZMQ_ZAP_ENFORCE_DOMAIN, accepted by the stable build. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

static const char *const domains[_SB_ENDPOINT_MAX] = {
    [SB_ENDPOINT_COMMAND] = SB_ZAP_DOMAIN_COMMAND,
    [SB_ENDPOINT_WORKER] = SB_ZAP_DOMAIN_WORKER,
    [SB_ENDPOINT_EVENTS] = SB_ZAP_DOMAIN_EVENTS,
};

/* The daemon's security state: one per process, like its configuration. */
static struct {
    const sb_config *config; /* the live configuration */
    sb_keys *keys;           /* in force */
    sb_keys *pending;        /* loaded by a reload's check, swapped in by apply */
    sb_keypair server;
    bool curve[_SB_ENDPOINT_MAX]; /* which endpoints are CURVE servers */
    sb_zap *zap;
    uv_loop_t *loop;
    void *zctx;
    sb_conn_monitor *mon[_SB_ENDPOINT_MAX]; /* connections of the network endpoints */
} g;

/* ------------------------------------------------------------ configuration */

/* ipc:// and inproc:// are local; every other transport crosses a network. */
static bool is_local(const char *endpoint)
{
    return strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0;
}

void sb_security_config_finish(sb_config *c, sb_problems *problems)
{
    if (!c->server_key_file[0]) {
        int n =
            snprintf(c->server_key_file, sizeof c->server_key_file, "%s/server.key", c->state_dir);
        if (n < 0 || (size_t)n >= sizeof c->server_key_file)
            sb_problems_add(problems, "state directory path too long for server.key");
    }
    const struct {
        const char *what, *endpoint;
    } eps[] = {
        {"[daemon] command_endpoint", c->command_endpoint},
        {"[workers] endpoint", c->worker_endpoint},
        {"[events] endpoint", c->event_endpoint},
    };
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++)
        if (eps[i].endpoint[0] && !is_local(eps[i].endpoint) && !c->keys_file[0])
            sb_problems_add(problems,
                            "%s %s: a network endpoint needs [security] keys (CURVE "
                            "authentication, docs/security.md)",
                            eps[i].what, eps[i].endpoint);
}

/* ------------------------------------------------------------ start and stop */

/* "<dir>/server.key" -> "<dir>/server.pub" (or "<path>.pub"). */
static void pub_path(const char *key_path, char *out, size_t len)
{
    size_t n = strlen(key_path);
    if (n > 4 && strcmp(key_path + n - 4, ".key") == 0)
        snprintf(out, len, "%.*s.pub", (int)(n - 4), key_path);
    else
        snprintf(out, len, "%s.pub", key_path);
}

/* The daemon's key pair: read it, or make it at the first start. The
 * public half is (re)written beside it for operators to hand out. */
static int load_server_key(const char *path)
{
    char err[1024], pub[PATH_MAX + 8], tmp[PATH_MAX + 16];
    if (access(path, F_OK) != 0) {
        sb_keypair kp;
        if (sb_keypair_generate(&kp, err, sizeof err) ||
            sb_keypair_write(path, &kp,
                             "skillbased's CURVE key pair (docs/security.md). Secret: keep it "
                             "mode 0600.\nClients need only the public key: server.pub.",
                             err, sizeof err)) {
            sb_log(SB_LOG_ERROR, "security: %s", err);
            return -1;
        }
        sb_log(SB_LOG_INFO, "security: made the daemon's key pair %s", path);
    }
    if (sb_keypair_read(path, true, &g.server, err, sizeof err)) {
        sb_log(SB_LOG_ERROR, "security: %s", err);
        return -1;
    }
    pub_path(path, pub, sizeof pub);
    snprintf(tmp, sizeof tmp, "%s.tmp", pub);
    unlink(tmp);
    sb_keypair only_public = g.server;
    only_public.secret_z85[0] = '\0';
    if (sb_keypair_write(tmp, &only_public,
                         "skillbased's public key: give it to clients (skillbasectl --server-key)",
                         err, sizeof err) ||
        rename(tmp, pub)) {
        sb_log(SB_LOG_WARN, "security: cannot write %s: %s", pub, err[0] ? err : strerror(errno));
        unlink(tmp);
    }
    return 0;
}

/* File descriptors beside the connections: the store, the endpoints,
 * libzmq's and libuv's own, the metrics listener, logs, backups. */
#define FD_RESERVE 128

/* One descriptor per connection: make sure [security] max_connections fit
 * (raise the soft limit up to the hard one), and say so when they cannot,
 * since running out means new clients are refused in silence (libzmq's
 * accept fails; the metrics count such failures). */
static void provision_fds(const sb_config *config)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)config->max_connections + FD_RESERVE;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < need) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        struct rlimit up = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = want;
    }
    if (rl.rlim_cur < need)
        sb_log(SB_LOG_WARN,
               "security: %llu file descriptors allowed, but [security] max_connections %u "
               "needs %llu: raise LimitNOFILE (or ulimit -n), or lower max_connections",
               (unsigned long long)rl.rlim_cur, config->max_connections, (unsigned long long)need);
}

/* Every district a key is scoped to must be one of Hangzhou's (rules.h):
 * a misspelt scope would leave its holder with nothing, or with a wrong
 * district. 0, or -1 with the file, key and name in err. */
static int check_districts(const char *path, const sb_keys *keys, char *err, size_t err_len)
{
    for (size_t i = 0; i < sb_keys_count(keys); i++) {
        const sb_key_entry *e = sb_keys_at(keys, i);
        if (e->district[0] && !sb_rules_district(e->district)) {
            snprintf(err, err_len,
                     "%.900s:%d: [%.100s] district: \"%.100s\" is not a district, county or "
                     "county-level city of Hangzhou (skillbasectl rules lists them)",
                     path, e->line, e->name, e->district);
            return -1;
        }
    }
    return 0;
}

int sb_security_start(uv_loop_t *loop, void *zctx, const sb_config *config)
{
    char err[2048];
    g.config = config;
    g.loop = loop;
    g.zctx = zctx;
    provision_fds(config);
    /* ipc sockets live here: only the daemon's user and group may reach
     * them (docs/security.md, "ipc endpoints"). */
    struct stat st;
    if (stat(config->state_dir, &st) == 0 && (st.st_mode & 07777) != 0750 &&
        chmod(config->state_dir, 0750) != 0)
        sb_log(SB_LOG_WARN, "security: cannot make %s mode 0750: %s", config->state_dir,
               strerror(errno));
    if (config->keys_file[0]) {
        if (sb_keys_load(config->keys_file, &g.keys, err, sizeof err) ||
            check_districts(config->keys_file, g.keys, err, sizeof err)) {
            sb_log(SB_LOG_ERROR, "security: %s", err);
            sb_keys_free(&g.keys);
            return -1;
        }
        sb_log(SB_LOG_INFO, "security: %zu key(s) from %s", sb_keys_count(g.keys),
               config->keys_file);
    } else if (!(g.keys = sb_keys_new_empty())) {
        return -1;
    }
    if (load_server_key(config->server_key_file) || sb_zap_start(loop, zctx, &g.keys, &g.zap)) {
        sb_keys_free(&g.keys);
        return -1;
    }
    return 0;
}

void sb_security_stop(void)
{
    sb_zap_stop(&g.zap);
    for (int i = 0; i < _SB_ENDPOINT_MAX; i++)
        sb_conn_monitor_stop(&g.mon[i]);
    sb_keys_free(&g.keys);
    sb_keys_free(&g.pending);
    memset(g.curve, 0, sizeof g.curve);
}

void sb_security_zap_counts(uint64_t *ret_accepted, uint64_t *ret_refused)
{
    sb_zap_counts(g.zap, ret_accepted, ret_refused);
}

/* ------------------------------------------------------------ sockets */

/* An ipc:// endpoint is as private as its directory: say so when others
 * may reach it (docs/security.md, "ipc://"). */
static void check_ipc_dir(const char *endpoint)
{
    char dir[PATH_MAX];
    if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] == '@')
        return; /* inproc, or Linux's abstract namespace */
    snprintf(dir, sizeof dir, "%s", endpoint + 6);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat st;
    if (stat(dir, &st) == 0 && (st.st_mode & S_IRWXO))
        sb_log(SB_LOG_WARN,
               "security: %s is in %s, which others may enter (mode %o): anyone on "
               "this host can connect; make the directory 0750",
               endpoint, dir, (unsigned)(st.st_mode & 07777));
}

int sb_security_server_socket(void *sock, const char *endpoint, sb_endpoint_kind kind)
{
    if (kind < 0 || kind >= _SB_ENDPOINT_MAX)
        return -1;
    if (is_local(endpoint)) {
        check_ipc_dir(endpoint);
        return 0;
    }
    if (!g.zap || !g.config || !g.config->keys_file[0]) {
        sb_log(SB_LOG_ERROR,
               "security: %s is a network endpoint and needs CURVE with a keys "
               "file ([security] keys)",
               endpoint);
        return -1;
    }
    int one = 1, handshake = (int)(g.config->handshake_ms ? g.config->handshake_ms : 10000);
    const char *domain = domains[kind];
    /* a connection that does not finish its handshake in time is closed */
    if (zmq_setsockopt(sock, ZMQ_HANDSHAKE_IVL, &handshake, sizeof handshake) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, g.server.secret_z85, SB_KEY_Z85_LEN + 1) ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) ||
        zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one)) {
        /* without enforcement a missing handler would let every key in */
        sb_log(SB_LOG_ERROR, "security: cannot make %s a CURVE server with ZAP: %s", endpoint,
               zmq_strerror(errno));
        return -1;
    }
    g.curve[kind] = true;
    /* connections, accepts that fail (out of descriptors), handshakes that
     * fail or time out: logged and counted */
    static const char *const names[_SB_ENDPOINT_MAX] = {"command endpoint", "worker endpoint",
                                                        "event endpoint"};
    sb_conn_monitor_stop(&g.mon[kind]);
    g.mon[kind] = sb_conn_monitor_start(g.loop, g.zctx, sock, names[kind]);
    return 0;
}

void sb_security_conn_counts(sb_endpoint_kind kind, sb_conn_counts *ret)
{
    sb_conn_monitor_counts(kind >= 0 && kind < _SB_ENDPOINT_MAX ? g.mon[kind] : NULL, ret);
}

void sb_security_protect_ipc(const sb_config *config)
{
    const char *eps[] = {config->command_endpoint, config->worker_endpoint, config->event_endpoint};
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++) {
        const char *ep = eps[i];
        if (strncmp(ep, "ipc://", 6) != 0 || ep[6] == '@')
            continue;
        if (chmod(ep + 6, 0660) != 0)
            sb_log(SB_LOG_WARN, "security: cannot make %s mode 0660: %s", ep + 6, strerror(errno));
    }
}

static unsigned role_bit(sb_key_role role, sb_endpoint_kind kind)
{
    switch (role) {
    case SB_KEY_ROLE_OPERATOR:
        return SB_ROLE_OPERATOR;
    case SB_KEY_ROLE_REVIEWER:
        return SB_ROLE_REVIEWER;
    case SB_KEY_ROLE_SERVICE:
        return SB_ROLE_SERVICE;
    case SB_KEY_ROLE_WORKER:
        /* on the command endpoint a worker may read, nothing more */
        return kind == SB_ENDPOINT_WORKER ? SB_ROLE_WORKER : SB_ROLE_READER;
    case SB_KEY_ROLE_READER:
        return SB_ROLE_READER;
    default:
        return 0;
    }
}

void sb_security_caller(zmq_msg_t *frame, sb_endpoint_kind kind, sb_caller *ret)
{
    memset(ret, 0, sizeof *ret);
    if (kind < 0 || kind >= _SB_ENDPOINT_MAX) {
        ret->refusal = "unknown endpoint";
        return;
    }
    if (!g.curve[kind]) {
        /* ipc: whoever the directory's permissions let in */
        if (kind == SB_ENDPOINT_WORKER)
            ret->role = SB_ROLE_WORKER;
        else if (kind == SB_ENDPOINT_EVENTS)
            ret->role = SB_ROLE_READER;
        else
            ret->role = role_bit(g.config ? g.config->ipc_role : SB_KEY_ROLE_OPERATOR, kind);
        return;
    }
    const char *name = zmq_msg_gets(frame, "User-Id");
    const char *key = zmq_msg_gets(frame, SB_ZAP_PROP_KEY);
    if (!name || !key || !zmq_msg_gets(frame, SB_ZAP_PROP_ROLE)) {
        ret->refusal = "the message carries no authenticated identity";
        return;
    }
    ret->name = name;
    const sb_key_entry *e = sb_keys_find_name(g.keys, name);
    if (!e || strcmp(e->public_z85, key) != 0) {
        ret->refusal = "this key was removed from the keys file";
        return;
    }
    if (!sb_zap_role_allowed(domains[kind], e->role)) {
        ret->refusal = "this key's role (changed since it connected) may not use this endpoint";
        return;
    }
    ret->name = e->name;
    ret->role = role_bit(e->role, kind);
    ret->types = e->types;
    ret->n_types = e->n_types;
    /* a district-scoped key (六(五)): checked at load, so never unknown */
    ret->district = e->district[0] ? sb_rules_district(e->district) : NULL;
}

/* ------------------------------------------------------------ reload */

int sb_security_reload_check(void *arg, const sb_config *live, sb_config *next, char *err,
                             size_t err_len)
{
    (void)arg;
    sb_keys_free(&g.pending);
    if (strcmp(live->server_key_file, next->server_key_file) != 0) {
        sb_log(SB_LOG_WARN, "reload: [security] server_key takes effect at the next start");
        memcpy(next->server_key_file, live->server_key_file, sizeof next->server_key_file);
    }
    if (next->keys_file[0]) {
        if (sb_keys_load(next->keys_file, &g.pending, err, err_len))
            return -1;
        if (check_districts(next->keys_file, g.pending, err, err_len)) {
            sb_keys_free(&g.pending);
            return -1;
        }
        return 0;
    }
    g.pending = sb_keys_new_empty();
    if (!g.pending) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

void sb_security_reload_apply(void *arg, const sb_config *live)
{
    (void)arg;
    if (!g.pending)
        return;
    size_t added = 0, removed = 0;
    for (size_t i = 0; i < sb_keys_count(g.pending); i++) {
        const sb_key_entry *e = sb_keys_at(g.pending, i);
        const sb_key_entry *old = sb_keys_find_name(g.keys, e->name);
        added += !old || strcmp(old->public_z85, e->public_z85) != 0;
    }
    for (size_t i = 0; i < sb_keys_count(g.keys); i++) {
        const sb_key_entry *e = sb_keys_at(g.keys, i);
        const sb_key_entry *now = sb_keys_find_name(g.pending, e->name);
        removed += !now || strcmp(now->public_z85, e->public_z85) != 0;
    }
    sb_keys_free(&g.keys);
    g.keys = g.pending;
    g.pending = NULL;
    sb_log(SB_LOG_INFO, "security: %zu key(s) in force from %s (%zu new, %zu removed)",
           sb_keys_count(g.keys), live->keys_file[0] ? live->keys_file : "(no keys file)", added,
           removed);
}
