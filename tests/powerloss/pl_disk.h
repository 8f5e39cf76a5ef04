/* pl_disk: what a power cut can leave on disk, built from a directory's
 * starting contents and a trace of what a process did to it (pl_trace.h).
 * docs/powerloss.md describes the model; in short:
 *
 *   - a write reaches the page cache when its record is reached; it is
 *     durable once a sync of its file that began after it has returned
 *     (fsync/fdatasync, sync/syncfs), or at once when it went through an
 *     O_DSYNC/O_SYNC descriptor;
 *   - at a cut, every 4 KiB page written since it was last made durable may
 *     hold its durable contents or any one of the versions written to it
 *     since — each page chosen on its own, so the unsynced writes reach the
 *     disk as any subset, in any order; a page is written whole or not at
 *     all (no torn sectors inside a page);
 *   - a file's size is what its durable contents and the chosen pages
 *     reach; pages not chosen inside that size read as zeros where nothing
 *     durable was;
 *   - names (create, rename, unlink) and size changes (truncate, fallocate)
 *     take effect in trace order when they return, as a journalling file
 *     system that orders its metadata does; the harness does not model a
 *     rename lost for want of a directory sync.
 */
#ifndef PL_DISK_H
#define PL_DISK_H

#include <stdint.h>

typedef struct pl_disk pl_disk;

/* Counts over a whole trace. */
typedef struct {
    uint64_t records;
    uint64_t writes, write_bytes; /* PL_WRITE */
    uint64_t sync_writes;         /* PL_WRITE_SYNC */
    uint64_t syncs;               /* PL_SYNC and PL_SYNC_ALL */
    uint64_t names, renames, unlinks, truncates, allocates, notes, unmodelled;
} pl_disk_info;

/* What one image held back. */
typedef struct {
    uint64_t pending_pages; /* pages written and not yet durable at the cut */
    uint64_t kept_pages;    /* of which the image has a written version */
    unsigned files;         /* files written into the image */
} pl_image_info;

/* Read the regular files of base_dir (the directory as the traced
 * process found it, every file durable) and the trace. Returns 0 and *ret
 * (free with pl_disk_free), or -1 with the reason on stderr. */
int pl_disk_open(const char *base_dir, const char *trace, pl_disk **ret);

void pl_disk_free(pl_disk **d);

/* Counts of the whole trace, and the positions of its syncs (records after
 * which more became durable): *ret_syncs has *ret_n entries, owned by d. */
void pl_disk_info_get(const pl_disk *d, pl_disk_info *ret);
void pl_disk_syncs(const pl_disk *d, const uint64_t **ret_syncs, uint64_t *ret_n);

/* Write into the empty or missing directory out_dir the files a power cut
 * after the first `cut` records could leave: each pending page kept with
 * probability `keep` (0: nothing unsynced reached the disk, 1: a version of
 * every page did), the choices drawn from `seed`. Returns 0, or -1 with the
 * reason on stderr (including a trace the model cannot follow). */
int pl_disk_image(pl_disk *d, uint64_t cut, double keep, uint64_t seed, const char *out_dir,
                  pl_image_info *ret);

#endif
