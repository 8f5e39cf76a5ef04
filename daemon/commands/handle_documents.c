/* Documents (docs/protocol.md "Documents", docs/storage.md "Documents"):
 * files behind an application or a sub-base, uploaded in chunks, filed on
 * the record by one event that carries their SHA-256, read back in chunks.
 *
 * The upload's bytes never pass through the store: documents.h keeps them in
 * a temporary file and makes them durable under their hash before
 * document_commit's event is written in the batch's transaction. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "documents.h"
#include "handlers_private.h"
#include "jobs.h"
#include "sb_error.h"
#include "sb_text.h"
#include "store_documents.h"

/* The kinds of document (policy as data): the four materials of 二(三)1
 * and the evidence behind the decisions of 二(三)2 and 五. */
static const struct {
    const char *kind;
    const char *meaning;
} kinds[] = {
    {"application_form", "申报表 (附件2), material 二(三)1(1)"},
    {"license",
     "法人登记证书或营业执照, material 二(三)1(2); mark original_sighted when the original "
     "was seen"},
    {"staff_credentials", "管理人员和师资资格证明, material 二(三)1(3)"},
    {"management_rules", "内部管理制度, material 二(三)1(4)"},
    {"review_report", "experts' on-site review and evaluation, 二(三)2"},
    {"score_sheet", "assessment score sheet, 五(一) and 附件3"},
    {"self_assessment", "the sub-base's own report for an assessment (the bureau's practice; the "
                        "policy names none)"},
    {"complaint_file", "complaint or public-opinion file, 五(三)3"},
    {"accident_report", "safety accident report, 五(三)3"},
    {"payment_voucher", "voucher of a subsidy payment (付款凭证), 六(二); named by subsidy_pay"},
    {"other", "anything else"},
};

size_t sb_handler_document_kinds(const char **names, const char **meanings, size_t max)
{
    size_t n = sizeof kinds / sizeof kinds[0];
    for (size_t i = 0; i < n && i < max; i++) {
        names[i] = kinds[i].kind;
        if (meanings)
            meanings[i] = kinds[i].meaning;
    }
    return n;
}

static bool kind_ok(const char *k)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, k) == 0)
            return true;
    return false;
}

/* A file name without a directory: text, no '/' or '\', not "." or "..". */
static const char *name_fault(const char *n)
{
    if (!n[0])
        return "name: required (the file's name, without a directory)";
    if (strlen(n) > SB_DOC_NAME_MAX)
        return "name: longer than 255 bytes";
    if (!sb_text_ok(n))
        return "name: not acceptable text (control characters, invalid UTF-8)";
    if (strchr(n, '/') || strchr(n, '\\'))
        return "name: contains a directory separator; give the file's name only";
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        return "name: not a file name";
    return NULL;
}

static int need_docs(sb_call *call)
{
    if (!call->docs)
        return sb_call_fail(call, SB_INTERNAL,
                            "this daemon keeps no documents (no document store)");
    return 0;
}

/* The documents of a record (pointers into it). */
static Skillbase__Document ***docs_of(Skillbase__Record *rec, size_t **ret_n)
{
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION) {
        *ret_n = &rec->application->n_documents;
        return &rec->application->documents;
    }
    *ret_n = &rec->sub_base->n_documents;
    return &rec->sub_base->documents;
}

/* What a begin or a commit must find true of the record. */
static int check_target(sb_call *call, Skillbase__Record *rec, const char *kind,
                        uint32_t supersedes, const char *reason, bool sighted, const char *id)
{
    size_t *n;
    Skillbase__Document **docs = *docs_of(rec, &n);
    if (sighted && strcmp(kind, "license") != 0)
        return sb_call_fail(call, SB_INVALID,
                            "original_sighted: only a license has an original to sight");
    if (!supersedes)
        return 0;
    if (supersedes > *n)
        return sb_call_fail(call, SB_INVALID, "supersedes: %s has no document %u (it has %zu)", id,
                            supersedes, *n);
    if (docs[supersedes - 1]->superseded_by)
        return sb_call_fail(call, SB_CONFLICT,
                            "supersedes: document %u of %s is already superseded by document %u",
                            supersedes, id, docs[supersedes - 1]->superseded_by);
    if (!reason || !reason[0])
        return sb_call_fail(call, SB_INVALID, "reason: required to supersede a document");
    return 0;
}

static void reply_upload(sb_call *call, const sb_upload *u)
{
    Skillbase__UploadState *st = sb_arena_alloc(call->arena, sizeof *st);
    if (!st)
        return;
    skillbase__upload_state__init(st);
    st->upload_id = sb_arena_strdup(call->arena, u->id);
    st->size = u->size;
    st->received = u->received;
    st->chunk_max = sb_docs_chunk_max(call->docs);
    st->expires_ms = u->last_ms + (uint64_t)call->config->doc_upload_idle_s * 1000;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_UPLOAD;
    call->reply->upload = st;
}

int sb_handler_document_begin(sb_call *call)
{
    const Skillbase__DocumentBegin *c = call->req->document_begin;
    int rc = need_docs(call);
    if (rc)
        return rc;
    /* everything is checked before anything is stored */
    if (!kind_ok(c->kind))
        return sb_call_fail(call, SB_INVALID,
                            "kind: \"%s\" is not a document kind (see the rules command: "
                            "document_kinds)",
                            c->kind);
    const char *bad = name_fault(c->name);
    if (bad)
        return sb_call_fail(call, SB_INVALID, "%s", bad);
    if (c->size == 0)
        return sb_call_fail(call, SB_INVALID,
                            "size: required (the file's size in bytes, at least 1)");
    if (c->size > call->config->doc_max_bytes)
        return sb_call_fail(call, SB_INVALID,
                            "size: a file of %llu bytes is larger than the largest accepted, "
                            "%llu bytes ([documents] max_mb); nothing was stored",
                            (unsigned long long)c->size,
                            (unsigned long long)call->config->doc_max_bytes);
    if (!sb_docs_hex_ok(c->sha256))
        return sb_call_fail(call, SB_INVALID, "sha256: required, 64 hexadecimal digits");
    if (strlen(c->media_type) > SB_DOC_MEDIA_MAX || !sb_text_ok(c->media_type))
        return sb_call_fail(call, SB_INVALID, "media_type: text of at most %d bytes",
                            SB_DOC_MEDIA_MAX);
    if ((rc = sb_call_check_reason(call, c->reason, false, "document_begin")))
        return rc;
    Skillbase__Record *rec;
    if ((rc = sb_call_load(call, c->id, &rec)))
        return rc;
    if ((rc = check_target(call, rec, c->kind, c->supersedes, c->reason, c->original_sighted,
                           c->id)))
        return rc;
    sb_upload *u = NULL;
    char err[300];
    rc = sb_docs_upload_new(call->docs, call->actor, call->now_ms, &u, err, sizeof err);
    if (rc)
        return sb_call_fail(call, -rc, "%s", err);
    snprintf(u->entity, sizeof u->entity, "%s", c->id);
    snprintf(u->kind, sizeof u->kind, "%s", c->kind);
    snprintf(u->name, sizeof u->name, "%s", c->name);
    snprintf(u->media_type, sizeof u->media_type, "%s", c->media_type);
    snprintf(u->reason, sizeof u->reason, "%s", c->reason);
    for (size_t i = 0; i < SB_DOC_HEX_LEN; i++)
        u->sha256[i] = (char)(c->sha256[i] | 0x20); /* lower case */
    u->sha256[SB_DOC_HEX_LEN] = '\0';
    u->original_sighted = c->original_sighted;
    u->supersedes = c->supersedes;
    u->size = c->size;
    reply_upload(call, u);
    return 0;
}

/* The upload named by a chunk or commit, if the caller began it. */
static int find_upload(sb_call *call, const char *id, sb_upload **ret)
{
    sb_upload *u = sb_docs_upload_find(call->docs, id);
    if (!u)
        return sb_call_fail(call, SB_NOT_FOUND,
                            "no upload %s in progress (never begun, or forgotten after "
                            "[documents] upload_idle_s, or the daemon restarted): begin again",
                            id);
    if (strcmp(u->owner, call->actor) != 0)
        return sb_call_fail(call, SB_FORBIDDEN, "upload %s belongs to another caller", id);
    *ret = u;
    return 0;
}

int sb_handler_document_chunk(sb_call *call)
{
    const Skillbase__DocumentChunk *c = call->req->document_chunk;
    sb_upload *u = NULL;
    int rc = need_docs(call);
    if (rc || (rc = find_upload(call, c->upload_id, &u)))
        return rc;
    if (c->data.len == 0 || c->data.len > sb_docs_chunk_max(call->docs))
        return sb_call_fail(call, SB_INVALID, "data: 1 to %u bytes per chunk, not %zu",
                            sb_docs_chunk_max(call->docs), c->data.len);
    char err[300];
    rc = sb_docs_upload_write(u, c->offset, c->data.data, c->data.len, call->now_ms, err,
                              sizeof err);
    if (rc)
        return sb_call_fail(call, -rc, "%s", err);
    reply_upload(call, u);
    return 0;
}

/* The document of `rec` filed by upload `id`, or NULL. */
static Skillbase__Document *filed_by(Skillbase__Record *rec, const char *id)
{
    size_t *n;
    Skillbase__Document **docs = *docs_of(rec, &n);
    for (size_t i = 0; i < *n; i++)
        if (strcmp(docs[i]->upload_id, id) == 0)
            return docs[i];
    return NULL;
}

int sb_handler_document_commit(sb_call *call)
{
    const Skillbase__DocumentCommit *c = call->req->document_commit;
    sb_upload *u = NULL;
    int rc = need_docs(call);
    if (rc || (rc = find_upload(call, c->upload_id, &u)))
        return rc;
    Skillbase__Record *old;
    if ((rc = sb_call_load(call, u->entity, &old)))
        return rc;
    if (filed_by(old, u->id)) {
        /* a commit sent again after it succeeded: the record as it is */
        sb_call_reply_record(call, old);
        return 0;
    }
    if (u->received != u->size)
        return sb_call_fail(call, SB_INVALID,
                            "upload %s has %llu of its %llu bytes; send the rest before committing",
                            u->id, (unsigned long long)u->received, (unsigned long long)u->size);
    if (!u->placed) {
        char hex[SB_DOC_HEX_LEN + 1];
        sb_docs_upload_digest(u, hex);
        if (strcmp(hex, u->sha256) != 0) {
            rc = sb_call_fail(call, SB_INVALID,
                              "the bytes received hash to %s, not the announced %s; the upload "
                              "is discarded: begin again",
                              hex, u->sha256);
            sb_docs_upload_drop(call->docs, u);
            return rc;
        }
    }
    if ((rc = sb_call_check_version(call, u->entity, sb_call_record_head(old).version)) ||
        (rc = check_target(call, old, u->kind, u->supersedes, u->reason, u->original_sighted,
                           u->entity)))
        return rc;
    /* durable under its hash before the event naming it can commit */
    char err[400];
    if (sb_docs_place(call->docs, u, err, sizeof err))
        return sb_call_fail(call, SB_INTERNAL, "%s", err);

    Skillbase__Record *rec = sb_call_revise(call, old);
    Skillbase__Document *d = sb_arena_alloc(call->arena, sizeof *d);
    if (!rec || !d)
        return SB_E(SB_INTERNAL);
    size_t *n;
    Skillbase__Document ***docs = docs_of(rec, &n);
    Skillbase__Document **list = sb_arena_alloc(call->arena, (*n + 1) * sizeof *list);
    if (!list)
        return SB_E(SB_INTERNAL);
    if (*n)
        memcpy(list, *docs, *n * sizeof *list);
    skillbase__document__init(d);
    d->no = (uint32_t)*n + 1;
    d->kind = sb_arena_strdup(call->arena, u->kind);
    d->name = sb_arena_strdup(call->arena, u->name);
    d->size = u->size;
    d->sha256 = sb_arena_strdup(call->arena, u->sha256);
    d->media_type = sb_arena_strdup(call->arena, u->media_type);
    d->added_by = (char *)call->actor;
    d->added_ms = call->now_ms;
    d->reason = sb_arena_strdup(call->arena, u->reason);
    d->original_sighted = u->original_sighted;
    d->supersedes = u->supersedes;
    d->upload_id = sb_arena_strdup(call->arena, u->id);
    if (u->supersedes) {
        /* the older one is marked, never removed */
        Skillbase__Document *older = sb_arena_alloc(call->arena, sizeof *older);
        if (!older)
            return SB_E(SB_INTERNAL);
        *older = *list[u->supersedes - 1];
        older->superseded_by = d->no;
        list[u->supersedes - 1] = older;
    }
    list[*n] = d;
    *docs = list;
    (*n)++;
    Skillbase__Event *ev = sb_call_event(call, rec, "document_added", "document_commit", u->reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    if ((rc = sb_store_doc_ref_add(call->txn, u->sha256)) ||
        (rc = sb_store_record_put(call->txn, rec, old)) ||
        (rc = sb_call_append_event(call, ev, true)))
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* The document `which` (its number, or 8+ leading hex digits of its hash). */
static Skillbase__Document *find_doc(Skillbase__Record *rec, const char *which, int *ret_ambiguous)
{
    size_t *n;
    Skillbase__Document **docs = *docs_of(rec, &n);
    char *end;
    *ret_ambiguous = 0;
    errno = 0;
    unsigned long no = strtoul(which, &end, 10);
    if (which[0] >= '1' && which[0] <= '9' && !*end && !errno && strlen(which) < 8)
        return no <= *n ? docs[no - 1] : NULL;
    size_t len = strlen(which);
    Skillbase__Document *found = NULL;
    if (len < 8 || len > SB_DOC_HEX_LEN)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        if (strncasecmp(docs[i]->sha256, which, len) != 0)
            continue;
        if (found && strcmp(found->sha256, docs[i]->sha256) != 0)
            *ret_ambiguous = 1;
        /* the same bytes filed twice: the latest copy */
        found = docs[i];
    }
    return *ret_ambiguous ? NULL : found;
}

int sb_handler_document_get(sb_call *call)
{
    const Skillbase__DocumentGet *c = call->req->document_get;
    int rc = need_docs(call);
    Skillbase__Record *rec;
    if (rc || (rc = sb_call_load(call, c->id, &rec)))
        return rc;
    int ambiguous;
    Skillbase__Document *d = find_doc(rec, c->doc, &ambiguous);
    if (!d)
        return sb_call_fail(call, ambiguous ? SB_INVALID : SB_NOT_FOUND,
                            ambiguous ? "doc: \"%s\" matches more than one document of %s; give "
                                        "more digits or its number"
                                      : "doc: %s has no document \"%s\" (give its number or at "
                                        "least 8 leading hex digits of its SHA-256)",
                            ambiguous ? c->doc : c->id, ambiguous ? c->id : c->doc);
    uint32_t max = sb_docs_chunk_max(call->docs);
    uint32_t want = c->limit == 0 || c->limit > max ? max : c->limit;
    uint64_t off = c->offset < d->size ? c->offset : d->size;
    size_t len = d->size - off < want ? (size_t)(d->size - off) : want;
    Skillbase__DocumentData *out = sb_arena_alloc(call->arena, sizeof *out);
    uint8_t *buf = sb_arena_alloc(call->arena, len ? len : 1);
    if (!out || !buf)
        return SB_E(SB_INTERNAL);
    skillbase__document_data__init(out);
    if (len) {
        int fd = sb_docs_open_file(call->docs, d->sha256);
        if (fd < 0)
            return sb_call_fail(call, SB_INTERNAL,
                                "the file of document %u of %s (%s) cannot be opened: %s; run "
                                "skillbased --restore-check",
                                d->no, c->id, d->sha256, strerror(errno));
        size_t got = 0;
        while (got < len) {
            ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        close(fd);
        if (got != len)
            return sb_call_fail(call, SB_INTERNAL,
                                "the file of document %u of %s (%s) is shorter than recorded; "
                                "run skillbased --restore-check",
                                d->no, c->id, d->sha256);
    }
    out->document = d;
    out->offset = off;
    out->data.data = buf;
    out->data.len = len;
    out->eof = off + len >= d->size;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_DOCUMENT;
    call->reply->document = out;
    return 0;
}
