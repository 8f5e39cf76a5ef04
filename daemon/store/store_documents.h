/* sb_store_documents: what the store knows of document files.
 *
 * The records list their documents (Document messages, in the record and
 * so in every event that carries it). Beside them, meta holds one counter
 * per file, key "doc:<sha256 hex>", value the number of documents that name
 * the file (files are shared by content): written in the transaction that
 * files the document, so "the store names this file" is one lookup. No key
 * means no document names it (a store without documents has none: no
 * schema change).
 *
 * The checks and the backup copy below work on an environment opened
 * read-only by store_verify.c / store_backup.c.
 */
#ifndef SB_STORE_DOCUMENTS_H
#define SB_STORE_DOCUMENTS_H

#include <lmdb.h>
#include <stdint.h>

#include "store.h"

#define SB_STORE_DOC_PREFIX "doc:"

/* Count one more document naming file `sha256` (64 lower-case hex). */
int sb_store_doc_ref_add(sb_txn *t, const char *sha256);

/* How many documents name file `sha256` (0: none). */
int sb_store_doc_refs(sb_txn *t, const char *sha256, uint64_t *ret);

/* What the document check found (--restore-check). */
typedef struct {
    uint64_t documents;    /* documents listed by the records */
    uint64_t files;        /* distinct files they name, each checked */
    uint64_t bytes;        /* bytes of those files */
    uint64_t unreferenced; /* files no document names (uploads never committed) */
    uint64_t temporary;    /* files of unfinished uploads in documents/tmp */
} sb_docs_verify_report;

/* Check the documents of the store in `dir` (read in `txn`, with its
 * records and meta databases): every document named by a record has its
 * counter and its file under dir/documents with that size and SHA-256;
 * every counter equals the documents that name the file; files no counter
 * names are counted as unreferenced (not problems: skillbased removes them
 * at its next start). Each problem goes to `problem(arg, text)`. */
void sb_store_docs_verify(const char *dir, MDB_txn *txn, MDB_dbi records, MDB_dbi meta,
                          void (*problem)(void *arg, const char *text), void *arg,
                          sb_docs_verify_report *ret);

/* Copy the document files the store in `backup_dir` names (its meta
 * counters) from `state_dir`/documents into `backup_dir`/documents, each
 * flushed to disk. Returns 0, or -1 with the reason in err. */
int sb_store_docs_backup(const char *state_dir, const char *backup_dir, char *err, size_t err_len);

#endif
