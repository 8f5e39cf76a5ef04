/* sb_docs: the bytes of documents, kept as content-addressed files in the
 * state directory, and the uploads in progress (docs/storage.md,
 * "Documents").
 *
 * A document's bytes live in <state_dir>/documents/<aa>/<sha256 hex>, where
 * <aa> is the first two hex digits; a file is written once and never
 * changed. An upload writes into <state_dir>/documents/tmp/<upload id>.part
 * (memory per upload is a file descriptor and a hash state, never the
 * bytes); the chunk that completes it makes the file durable (fsync, in
 * that chunk's request, outside any commit batch), and sb_docs_place puts
 * it under its final name (rename, fsync of the directory) BEFORE the
 * event that names it is committed. So a crash leaves at worst a temporary file (removed at the
 * next start) or a file that no committed event names (an upload whose
 * commit never happened: sb_docs_sweep removes it at the next start, and
 * --restore-check reports it as such, not as a problem).
 *
 * Nothing here knows about LMDB or the wire: the handlers
 * (handle_documents.c) decide, this module keeps files and sessions. The
 * directories are created when the first upload begins; their absence
 * means "no documents yet".
 */
#ifndef SB_DOCUMENTS_H
#define SB_DOCUMENTS_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct sb_docs sb_docs;

#define SB_DOC_HEX_LEN 64       /* SHA-256 as lower-case hex */
#define SB_DOC_UPLOAD_ID_LEN 32 /* hex digits of an upload id */
#define SB_DOC_NAME_MAX 255     /* bytes of a file name */
#define SB_DOC_MEDIA_MAX 127    /* bytes of a media type */

/* One upload in progress. The fields copied from DocumentBegin are kept
 * until the commit (or until the upload is forgotten). */
typedef struct {
    char id[SB_DOC_UPLOAD_ID_LEN + 1];
    char owner[260]; /* the actor that began it; only it may go on */
    char entity[72];
    char kind[32];
    char name[SB_DOC_NAME_MAX + 1];
    char media_type[SB_DOC_MEDIA_MAX + 1];
    char reason[2048];
    char sha256[SB_DOC_HEX_LEN + 1]; /* as announced */
    bool original_sighted;
    uint32_t supersedes;
    uint64_t size, received;
    uint64_t last_ms; /* last use, the daemon's clock */
    bool synced;      /* all bytes received and made durable (fsync) */
    bool placed;      /* the bytes are under their final name */
    int fd;           /* the temporary file; -1 once placed */
    crypto_hash_sha256_state hash;
} sb_upload;

/* Open the document store of config->state_dir: removes what interrupted
 * uploads left in documents/tmp. Does not create anything. Returns 0 or
 * SB_E(SB_INTERNAL) (logged). Free with sb_docs_close. */
int sb_docs_open(const sb_config *config, sb_docs **ret);
void sb_docs_close(sb_docs **d);

/* Most bytes of data per chunk, from the frame limit ([daemon]
 * max_request_kb less room for the envelope). */
uint32_t sb_docs_chunk_max(const sb_docs *d);

/* Begin an upload owned by `owner`: a new temporary file. Forgets idle
 * uploads first. Returns 0 with *ret (owned by d), SB_E(SB_BUSY) when
 * [documents] max_uploads are in progress (why in err), or SB_E(SB_INTERNAL)
 * when the file cannot be created (why in err and the log). */
int sb_docs_upload_new(sb_docs *d, const char *owner, uint64_t now_ms, sb_upload **ret, char *err,
                       size_t err_len);

/* The upload `id`, or NULL when unknown (never begun, committed long ago,
 * or forgotten after [documents] upload_idle_s). */
sb_upload *sb_docs_upload_find(sb_docs *d, const char *id);

/* Append `len` bytes at `offset` (== u->received; an earlier offset whose
 * bytes were all received already is accepted and ignored). The chunk that
 * completes the upload also makes the file durable (fsync). Returns 0,
 * SB_E(SB_INVALID) (why in err) or SB_E(SB_INTERNAL) (write failed). */
int sb_docs_upload_write(sb_upload *u, uint64_t offset, const uint8_t *data, size_t len,
                         uint64_t now_ms, char *err, size_t err_len);

/* The SHA-256 of what was received, as hex (call once all is received; may
 * be called again: the state is copied). */
void sb_docs_upload_digest(const sb_upload *u, char hex[SB_DOC_HEX_LEN + 1]);

/* Make the upload's bytes durable under their final name (see above).
 * Idempotent. Returns 0 or SB_E(SB_INTERNAL) (why in err and the log). */
int sb_docs_place(sb_docs *d, sb_upload *u, char *err, size_t err_len);

/* Drop an upload and its temporary file (not a placed file). */
void sb_docs_upload_drop(sb_docs *d, sb_upload *u);

/* Uploads in progress (not yet placed), for status and tests. */
size_t sb_docs_uploads(const sb_docs *d);

/* Open the file of `sha256` for reading. Returns an fd or -1 (errno). */
int sb_docs_open_file(const sb_docs *d, const char *sha256);

/* Remove files under documents/ that `known` says no record names (an
 * upload whose commit never happened), logging each. `known` returns 1
 * when the hex hash is named, 0 when not, -1 on error (then nothing is
 * removed). Called at start, before any request. Returns files removed. */
size_t sb_docs_sweep(sb_docs *d, int (*known)(void *arg, const char *sha256), void *arg);

/* Call fn(arg, sub, name) for each entry (but "." ones) of each
 * two-hex-digit directory `sub` of `docdir` (a documents/ directory: the
 * state's or a backup's). Stops at fn's first non-zero return, which it
 * returns; 0 when docdir cannot be read. */
int sb_docs_each_file(const char *docdir, int (*fn)(void *arg, const char *sub, const char *name),
                      void *arg);

/* fsync the directory `path`, so that entries made or removed in it are
 * durable. Returns 0 or -errno. */
int sb_docs_fsync_dir(const char *path);

/* True when s is 64 hex digits (either case). */
bool sb_docs_hex_ok(const char *s);

/* Path of a document file under `state_dir` into buf ("" if too long). */
void sb_docs_file_path(const char *state_dir, const char *sha256, char *buf, size_t len);

/* SHA-256 of the file at `path` as hex. Returns 0, or -errno. */
int sb_docs_hash_file(const char *path, char hex[SB_DOC_HEX_LEN + 1], uint64_t *ret_size);

#endif
