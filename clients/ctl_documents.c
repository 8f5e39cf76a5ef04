/* skillbasectl documents: file documents on a record and read them back
 * (docs/cli.md "documents", docs/protocol.md "Documents").
 *
 *   documents add ID FILE --kind KIND [-r TEXT] [--original-sighted]
 *                 [--supersedes N] [--media-type TYPE]
 *   documents list ID
 *   documents get ID DOC [OUT]      DOC: its number or 8+ hex digits of its SHA-256
 *
 * add hashes the file first (SHA-256, libsodium), announces size and hash,
 * sends it in chunks of the size the daemon names, then commits; get writes
 * OUT through a temporary file renamed into place only when the bytes hash
 * to the recorded SHA-256 (without OUT: standard output). On a terminal both
 * show their progress on standard error. */
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "pbjson.h"

/* A SHA-256 as lower-case hex. */
#define SHA256_HEX_LEN (crypto_hash_sha256_BYTES * 2)

#define HANGZHOU_OFFSET_S (8 * 3600)

/* Progress on a terminal only (docs/cli.md): "\r name  12.0/50.0 MiB  24%". */
static void progress(const char *what, uint64_t done, uint64_t total)
{
    if (!isatty(STDERR_FILENO) || total == 0)
        return;
    fprintf(stderr, "\r%s  %.1f/%.1f MiB  %3u%%", what, done / 1048576.0, total / 1048576.0,
            (unsigned)(done * 100 / total));
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

static int hash_file(ctl *c, FILE *f, char hex[SHA256_HEX_LEN + 1], uint64_t *ret_size)
{
    crypto_hash_sha256_state st;
    unsigned char buf[64 * 1024], out[crypto_hash_sha256_BYTES];
    uint64_t size = 0;
    size_t n;
    crypto_hash_sha256_init(&st);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        crypto_hash_sha256_update(&st, buf, n);
        size += n;
    }
    if (ferror(f))
        return ctl_fail(c, EXIT_USAGE, "invalid", "cannot read the file: %s", strerror(errno));
    crypto_hash_sha256_final(&st, out);
    sodium_bin2hex(hex, SHA256_HEX_LEN + 1, out, sizeof out);
    *ret_size = size;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int add(ctl *c, const char *id, const char *path)
{
    if (!c->doc_kind)
        return usage_fail(c, "documents add needs --kind KIND (see skillbasectl rules)");
    FILE *f = fopen(path, "rb");
    if (!f)
        return usage_fail(c, "cannot open %s: %s", path, strerror(errno));
    char hex[SHA256_HEX_LEN + 1];
    uint64_t size;
    int r = hash_file(c, f, hex, &size);
    if (r)
        goto out;
    /* 1. begin: refused before anything is stored when anything is wrong */
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__DocumentBegin b = SKILLBASE__DOCUMENT_BEGIN__INIT;
    Skillbase__Reply *reply;
    b.id = (char *)id;
    b.kind = (char *)c->doc_kind;
    b.name = (char *)base_name(path);
    b.size = size;
    b.sha256 = hex;
    b.media_type = (char *)(c->media_type ? c->media_type : "");
    b.reason = (char *)(c->reason ? c->reason : "");
    b.original_sighted = c->original_sighted;
    b.supersedes = (uint32_t)c->supersedes;
    req.command_case = SKILLBASE__REQUEST__COMMAND_DOCUMENT_BEGIN;
    req.document_begin = &b;
    const char *key = c->key;
    c->key = NULL; /* the key is the commit's */
    r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_UPLOAD, &reply);
    if (r)
        goto out;
    char upload_id[80];
    snprintf(upload_id, sizeof upload_id, "%s", reply->upload->upload_id);
    uint32_t chunk = reply->upload->chunk_max;
    skillbase__reply__free_unpacked(reply, NULL);
    if (chunk == 0) {
        r = ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon named no chunk size");
        goto out;
    }
    /* 2. the bytes, in order */
    uint8_t *buf = malloc(chunk);
    if (!buf) {
        r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        goto out;
    }
    rewind(f);
    uint64_t off = 0;
    while (off < size) {
        size_t n = fread(buf, 1, chunk, f);
        if (n == 0) {
            r = ctl_fail(c, EXIT_USAGE, "invalid", "%s changed while it was sent", path);
            break;
        }
        Skillbase__Request creq = SKILLBASE__REQUEST__INIT;
        Skillbase__DocumentChunk ch = SKILLBASE__DOCUMENT_CHUNK__INIT;
        ch.upload_id = upload_id;
        ch.offset = off;
        ch.data.data = buf;
        ch.data.len = n;
        creq.command_case = SKILLBASE__REQUEST__COMMAND_DOCUMENT_CHUNK;
        creq.document_chunk = &ch;
        r = ctl_call_for(c, &creq, SKILLBASE__REPLY__RESULT_UPLOAD, &reply);
        if (r)
            break;
        skillbase__reply__free_unpacked(reply, NULL);
        off += n;
        progress(base_name(path), off, size);
    }
    free(buf);
    if (r)
        goto out;
    /* 3. commit: the daemon checks size and hash and files it */
    Skillbase__Request creq = SKILLBASE__REQUEST__INIT;
    Skillbase__DocumentCommit cm = SKILLBASE__DOCUMENT_COMMIT__INIT;
    cm.upload_id = upload_id;
    creq.command_case = SKILLBASE__REQUEST__COMMAND_DOCUMENT_COMMIT;
    creq.document_commit = &cm;
    c->key = key;
    r = ctl_call_for(c, &creq, SKILLBASE__REPLY__RESULT_RECORD, &reply);
    if (r)
        goto out;
    const Skillbase__Record *rec = reply->record;
    size_t nd = rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION
                    ? rec->application->n_documents
                    : rec->sub_base->n_documents;
    Skillbase__Document *d = NULL;
    Skillbase__Document **docs = rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION
                                     ? rec->application->documents
                                     : rec->sub_base->documents;
    for (size_t i = 0; i < nd; i++)
        if (strcmp(docs[i]->upload_id, upload_id) == 0)
            d = docs[i];
    if (c->out.json)
        ctl_print_json(d ? pbjson_from_message(&d->base) : json_object());
    else if (d)
        printf("%s: document %u, %s, %" PRIu64 " bytes, sha256 %s\n", ctl_text(id), d->no,
               ctl_text(d->kind), d->size, d->sha256);
    skillbase__reply__free_unpacked(reply, NULL);
out:
    fclose(f);
    return r;
}

static const char *when(uint64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000) + HANGZHOU_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

/* Print the documents of a record as a table (show uses it too). */
void ctl_print_documents(Skillbase__Document *const *docs, size_t n)
{
    char at[32];
    if (!n) {
        printf("documents: none\n");
        return;
    }
    printf("%-3s %-17s %-30s %10s %-16s %-16s %s\n", "no", "kind", "name", "bytes", "sha256",
           "added", "by");
    for (size_t i = 0; i < n; i++) {
        const Skillbase__Document *d = docs[i];
        printf("%-3u %-17s %-30s %10" PRIu64 " %.16s %-16s %s", d->no, ctl_text(d->kind),
               ctl_text(d->name), d->size, d->sha256, when(d->added_ms, at, sizeof at),
               ctl_text(d->added_by));
        if (d->original_sighted)
            printf(", original sighted");
        if (d->supersedes)
            printf(", supersedes %u", d->supersedes);
        if (d->superseded_by)
            printf(", superseded by %u", d->superseded_by);
        if (d->reason[0])
            printf(" (%s)", ctl_text(d->reason));
        printf("\n");
    }
}

static bool is_sha(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!strchr("0123456789abcdefABCDEF", s[n]))
            return false;
    return n == 64;
}

/* The four materials of 二(三)1 as the form names them: a reference to the
 * bureau's document system, or a SHA-256 — then whether a document of this
 * application holds those bytes. */
static void print_materials(const Skillbase__Materials *m, Skillbase__Document *const *docs,
                            size_t n)
{
    const char *names[] = {"application_form", "license", "staff_credentials", "management_rules"};
    const char *vals[] = {m->application_form, m->license, m->staff_credentials,
                          m->management_rules};
    printf("materials (二(三)1):\n");
    for (size_t i = 0; i < 4; i++) {
        if (!is_sha(vals[i])) {
            printf("  %-18s reference %s\n", names[i], ctl_text(vals[i]));
            continue;
        }
        uint32_t no = 0;
        for (size_t j = 0; j < n; j++)
            if (strcasecmp(docs[j]->sha256, vals[i]) == 0 && !docs[j]->superseded_by)
                no = docs[j]->no;
        if (no)
            printf("  %-18s on file: document %u\n", names[i], no);
        else
            printf("  %-18s sha256 %.16s..., not on file yet\n", names[i], vals[i]);
    }
}

static int list(ctl *c, const char *id)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get g = SKILLBASE__GET__INIT;
    Skillbase__Reply *reply;
    g.id = (char *)id;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &g;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_RECORD, &reply);
    if (r)
        return r;
    const Skillbase__Record *rec = reply->record;
    bool app = rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION;
    Skillbase__Document **docs = app ? rec->application->documents : rec->sub_base->documents;
    size_t n = app ? rec->application->n_documents : rec->sub_base->n_documents;
    if (c->out.json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < n; i++)
            json_array_append_new(arr, pbjson_from_message(&docs[i]->base));
        ctl_print_json(arr);
    } else {
        ctl_print_documents(docs, n);
        if (app && rec->application->form && rec->application->form->materials)
            print_materials(rec->application->form->materials, docs, n);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}

static int get(ctl *c, const char *id, const char *which, const char *out_path)
{
    char tmp[PATH_MAX] = "";
    FILE *out = stdout;
    if (out_path) {
        if ((size_t)snprintf(tmp, sizeof tmp, "%s.part-%d", out_path, (int)getpid()) >= sizeof tmp)
            return usage_fail(c, "output path too long");
        out = fopen(tmp, "wb");
        if (!out)
            return usage_fail(c, "cannot write %s: %s", tmp, strerror(errno));
    }
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    uint64_t off = 0, size = 0;
    char sha[SHA256_HEX_LEN + 1] = "", name[300] = "";
    int r = 0;
    for (;;) {
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__DocumentGet g = SKILLBASE__DOCUMENT_GET__INIT;
        Skillbase__Reply *reply;
        g.id = (char *)id;
        g.doc = (char *)which;
        g.offset = off;
        req.command_case = SKILLBASE__REQUEST__COMMAND_DOCUMENT_GET;
        req.document_get = &g;
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_DOCUMENT, &reply);
        if (r)
            break;
        const Skillbase__DocumentData *d = reply->document;
        if (!d->document || d->offset != off) {
            skillbase__reply__free_unpacked(reply, NULL);
            r = ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon answered another part");
            break;
        }
        if (off == 0) {
            snprintf(sha, sizeof sha, "%s", d->document->sha256);
            snprintf(name, sizeof name, "%s", d->document->name);
            size = d->document->size;
        }
        bool eof = d->eof;
        if (d->data.len && fwrite(d->data.data, 1, d->data.len, out) != d->data.len) {
            skillbase__reply__free_unpacked(reply, NULL);
            r = ctl_fail(c, EXIT_REFUSED, "internal", "writing the output failed: %s",
                         strerror(errno));
            break;
        }
        crypto_hash_sha256_update(&st, d->data.data, d->data.len);
        size_t got = d->data.len;
        off += got;
        skillbase__reply__free_unpacked(reply, NULL);
        if (out_path)
            progress(name, off, size);
        if (eof)
            break;
        if (got == 0) {
            r = ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon sent no bytes before the end");
            break;
        }
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[SHA256_HEX_LEN + 1];
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    if (!r && (off != size || strcmp(hex, sha) != 0))
        r = ctl_fail(c, EXIT_REFUSED, "internal",
                     "the bytes received (%" PRIu64 ", SHA-256 %s) are not the document's (%" PRIu64
                     ", %s); nothing was written",
                     off, hex, size, sha);
    if (out_path) {
        bool ok = !r && fflush(out) == 0 && fsync(fileno(out)) == 0;
        fclose(out);
        if (ok && rename(tmp, out_path) != 0) {
            ok = false;
            r = ctl_fail(c, EXIT_REFUSED, "internal", "cannot rename %s: %s", tmp, strerror(errno));
        }
        if (!ok)
            unlink(tmp);
        if (ok && !c->out.json)
            fprintf(stderr, "%s: %" PRIu64 " bytes, sha256 %s verified\n", out_path, off, hex);
    } else if (fflush(stdout) != 0 && !r) {
        r = ctl_fail(c, EXIT_REFUSED, "internal", "writing standard output failed");
    }
    return r;
}

int ctl_verb_documents(ctl *c, const verb *v, char **args)
{
    int n = 0;
    while (args[n])
        n++;
    if (n >= 1 && strcmp(args[0], "add") == 0 && n == 3)
        return add(c, args[1], args[2]);
    if (n >= 1 && strcmp(args[0], "list") == 0 && n == 2)
        return list(c, args[1]);
    if (n >= 1 && strcmp(args[0], "get") == 0 && (n == 3 || n == 4))
        return get(c, args[1], args[2], n == 4 ? args[3] : NULL);
    return usage_fail(c, "usage: skillbasectl %s", v->usage);
}
