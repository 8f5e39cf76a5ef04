/* pl_disk: the power-cut model (pl_disk.h, docs/powerloss.md). */
#include "pl_disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pl_trace.h"

#define PAGE 4096u

typedef struct {
    uint8_t *data;
    size_t size, cap;
} buf;

/* A version of a page written after its last durable point. */
typedef struct {
    uint64_t page;
    uint64_t rec;  /* the record that wrote it */
    uint32_t ext;  /* bytes of the page inside the file when written */
    uint8_t *data; /* PAGE bytes */
} version;

typedef struct {
    char *name;  /* NULL once unlinked or renamed away */
    uint32_t id; /* the shim's number, 0 before it named the file */
    buf cache;   /* what the process reads */
    buf durable; /* what survives any cut */
    version *pend;
    size_t n_pend, cap_pend;
} file;

/* A record of the trace, pointing into the mapped file. */
typedef struct {
    pl_rec h; /* copied: records are not aligned in the file */
    const uint8_t *payload;
} rec;

struct pl_disk {
    /* the base directory, read once */
    char **base_names;
    buf *base_data;
    size_t n_base;
    /* the trace */
    void *map;
    size_t map_len;
    rec *recs;
    size_t n_recs;
    uint64_t *syncs;
    size_t n_syncs;
    pl_disk_info info;
    /* the replay state of the image being made */
    file *files;
    size_t n_files, cap_files;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "sb_powerloss: out of memory\n");
        exit(2);
    }
    return q;
}

static void buf_resize(buf *b, size_t size)
{
    if (size > b->cap) {
        size_t cap = b->cap ? b->cap : PAGE;
        while (cap < size)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (size > b->size)
        memset(b->data + b->size, 0, size - b->size);
    b->size = size;
}

static void buf_copy(buf *dst, const buf *src)
{
    dst->size = 0;
    buf_resize(dst, src->size);
    if (src->size)
        memcpy(dst->data, src->data, src->size);
}

static int read_file(const char *path, buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        fprintf(stderr, "sb_powerloss: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *b = (buf){0};
    buf_resize(b, (size_t)st.st_size);
    size_t got = 0;
    while (got < b->size) {
        ssize_t n = read(fd, b->data + got, b->size - got);
        if (n <= 0) {
            fprintf(stderr, "sb_powerloss: read %s: %s\n", path, n ? strerror(errno) : "short");
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    return 0;
}

static int load_base(pl_disk *d, const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        fprintf(stderr, "sb_powerloss: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(dh))) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) || !S_ISREG(st.st_mode))
            continue;
        d->base_names = xrealloc(d->base_names, (d->n_base + 1) * sizeof *d->base_names);
        d->base_data = xrealloc(d->base_data, (d->n_base + 1) * sizeof *d->base_data);
        d->base_names[d->n_base] = strdup(e->d_name);
        r = read_file(path, &d->base_data[d->n_base]);
        d->n_base++;
    }
    closedir(dh);
    return r;
}

static int load_trace(pl_disk *d, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        fprintf(stderr, "sb_powerloss: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    d->map_len = (size_t)st.st_size;
    d->map = d->map_len ? mmap(NULL, d->map_len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (d->map == MAP_FAILED || d->map_len < 8 || memcmp(d->map, PL_TRACE_MAGIC, 8) != 0) {
        fprintf(stderr, "sb_powerloss: %s is not a trace\n", path);
        d->map = NULL;
        return -1;
    }
    const uint8_t *p = (const uint8_t *)d->map + 8, *end = (const uint8_t *)d->map + d->map_len;
    size_t cap = 0;
    /* A record cut short (the process killed while writing it) ends the trace. */
    while ((size_t)(end - p) >= sizeof(pl_rec)) {
        pl_rec hdr;
        const pl_rec *h = &hdr;
        memcpy(&hdr, p, sizeof hdr);
        if (h->len > (uint64_t)(end - p) - sizeof *h)
            break;
        if (d->n_recs == cap) {
            cap = cap ? cap * 2 : 4096;
            d->recs = xrealloc(d->recs, cap * sizeof *d->recs);
        }
        d->recs[d->n_recs++] = (rec){hdr, p + sizeof hdr};
        pl_disk_info *in = &d->info;
        switch (h->kind) {
        case PL_NAME:
            in->names++;
            break;
        case PL_WRITE:
            in->writes++, in->write_bytes += h->len;
            break;
        case PL_WRITE_SYNC:
            in->sync_writes++;
            break;
        case PL_SYNC:
        case PL_SYNC_ALL:
            in->syncs++;
            break;
        case PL_TRUNCATE:
            in->truncates++;
            break;
        case PL_ALLOCATE:
            in->allocates++;
            break;
        case PL_RENAME:
            in->renames++;
            break;
        case PL_UNLINK:
            in->unlinks++;
            break;
        case PL_NOTE:
            in->notes++;
            break;
        case PL_UNMODELLED:
            in->unmodelled++;
            break;
        default:
            fprintf(stderr, "sb_powerloss: %s: record %zu has unknown kind %u\n", path,
                    d->n_recs - 1, h->kind);
            return -1;
        }
        if (h->kind == PL_WRITE_SYNC || h->kind == PL_SYNC || h->kind == PL_SYNC_ALL) {
            d->syncs = xrealloc(d->syncs, (d->n_syncs + 1) * sizeof *d->syncs);
            d->syncs[d->n_syncs++] = d->n_recs - 1;
        }
        p += sizeof *h + h->len;
    }
    d->info.records = d->n_recs;
    return 0;
}

int pl_disk_open(const char *base_dir, const char *trace, pl_disk **ret)
{
    pl_disk *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    if (load_base(d, base_dir) || load_trace(d, trace)) {
        pl_disk_free(&d);
        return -1;
    }
    *ret = d;
    return 0;
}

static void files_clear(pl_disk *d)
{
    for (size_t i = 0; i < d->n_files; i++) {
        file *f = &d->files[i];
        free(f->name);
        free(f->cache.data);
        free(f->durable.data);
        for (size_t j = 0; j < f->n_pend; j++)
            free(f->pend[j].data);
        free(f->pend);
    }
    d->n_files = 0;
}

void pl_disk_free(pl_disk **dp)
{
    pl_disk *d = *dp;
    if (!d)
        return;
    files_clear(d);
    free(d->files);
    for (size_t i = 0; i < d->n_base; i++) {
        free(d->base_names[i]);
        free(d->base_data[i].data);
    }
    free(d->base_names);
    free(d->base_data);
    if (d->map)
        munmap(d->map, d->map_len);
    free(d->recs);
    free(d->syncs);
    free(d);
    *dp = NULL;
}

void pl_disk_info_get(const pl_disk *d, pl_disk_info *ret)
{
    *ret = d->info;
}

void pl_disk_syncs(const pl_disk *d, const uint64_t **ret_syncs, uint64_t *ret_n)
{
    *ret_syncs = d->syncs;
    *ret_n = d->n_syncs;
}

/* ------------------------------------------------------------ replay */

static file *file_add(pl_disk *d, const char *name)
{
    if (d->n_files == d->cap_files) {
        d->cap_files = d->cap_files ? d->cap_files * 2 : 16;
        d->files = xrealloc(d->files, d->cap_files * sizeof *d->files);
    }
    file *f = &d->files[d->n_files++];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    return f;
}

static file *by_name(pl_disk *d, const char *name)
{
    for (size_t i = 0; i < d->n_files; i++)
        if (d->files[i].name && strcmp(d->files[i].name, name) == 0)
            return &d->files[i];
    return NULL;
}

static file *by_id(pl_disk *d, uint32_t id)
{
    for (size_t i = 0; i < d->n_files; i++)
        if (d->files[i].id == id)
            return &d->files[i];
    return NULL;
}

static void drop_name(pl_disk *d, const char *name)
{
    file *f = by_name(d, name);
    if (f) {
        free(f->name);
        f->name = NULL;
    }
}

/* Make the versions written before record `before` durable, in order. */
static void make_durable(file *f, uint64_t before)
{
    size_t keep = 0;
    for (size_t i = 0; i < f->n_pend; i++) {
        version *v = &f->pend[i];
        if (v->rec >= before) {
            f->pend[keep++] = *v;
            continue;
        }
        uint64_t start = v->page * PAGE;
        if (start + v->ext > f->durable.size)
            buf_resize(&f->durable, start + v->ext);
        memcpy(f->durable.data + start, v->data, v->ext);
        free(v->data);
    }
    f->n_pend = keep;
}

static void do_write(file *f, const rec *r, uint64_t index)
{
    uint64_t off = r->h.off, len = r->h.len, end = off + len;
    if (end > f->cache.size)
        buf_resize(&f->cache, end);
    memcpy(f->cache.data + off, r->payload, len);
    for (uint64_t pg = off / PAGE; pg * PAGE < end; pg++) {
        uint64_t start = pg * PAGE;
        uint32_t ext = (uint32_t)(f->cache.size - start < PAGE ? f->cache.size - start : PAGE);
        if (r->h.kind == PL_WRITE_SYNC) {
            /* durable on return, and newer than any pending version of the page */
            if (start + ext > f->durable.size)
                buf_resize(&f->durable, start + ext);
            memcpy(f->durable.data + start, f->cache.data + start, ext);
            size_t keep = 0;
            for (size_t i = 0; i < f->n_pend; i++) {
                if (f->pend[i].page == pg)
                    free(f->pend[i].data);
                else
                    f->pend[keep++] = f->pend[i];
            }
            f->n_pend = keep;
            continue;
        }
        if (f->n_pend == f->cap_pend) {
            f->cap_pend = f->cap_pend ? f->cap_pend * 2 : 64;
            f->pend = xrealloc(f->pend, f->cap_pend * sizeof *f->pend);
        }
        version *v = &f->pend[f->n_pend++];
        v->page = pg;
        v->rec = index;
        v->ext = ext;
        v->data = xrealloc(NULL, PAGE);
        memset(v->data, 0, PAGE);
        memcpy(v->data, f->cache.data + start, ext);
    }
}

static void set_size(file *f, uint64_t size)
{
    f->cache.size = f->cache.size < size ? f->cache.size : size;
    buf_resize(&f->cache, size);
    f->durable.size = f->durable.size < size ? f->durable.size : size;
    buf_resize(&f->durable, size);
    size_t keep = 0;
    for (size_t i = 0; i < f->n_pend; i++) {
        version *v = &f->pend[i];
        uint64_t start = v->page * PAGE;
        if (start >= size) {
            free(v->data);
            continue;
        }
        if (start + v->ext > size)
            v->ext = (uint32_t)(size - start);
        f->pend[keep++] = *v;
    }
    f->n_pend = keep;
}

static int replay(pl_disk *d, uint64_t cut)
{
    files_clear(d);
    for (size_t i = 0; i < d->n_base; i++) {
        file *f = file_add(d, d->base_names[i]);
        buf_copy(&f->cache, &d->base_data[i]);
        buf_copy(&f->durable, &d->base_data[i]);
    }
    for (uint64_t i = 0; i < cut && i < d->n_recs; i++) {
        const rec *r = &d->recs[i];
        const pl_rec *h = &r->h;
        file *f = h->file ? by_id(d, h->file) : NULL;
        switch (h->kind) {
        case PL_NAME: {
            char name[4096];
            snprintf(name, sizeof name, "%.*s", (int)h->len, (const char *)r->payload);
            if (h->off) { /* created by this open */
                drop_name(d, name);
                f = file_add(d, name);
            } else if (!(f = by_name(d, name))) {
                if (strcmp(name, ".") != 0) {
                    fprintf(stderr,
                            "sb_powerloss: record %llu opens %s, which the starting "
                            "directory does not hold\n",
                            (unsigned long long)i, name);
                    return -1;
                }
                f = file_add(d, name);
            }
            f->id = h->file;
            break;
        }
        case PL_WRITE:
        case PL_WRITE_SYNC:
            if (!f)
                goto unnamed;
            do_write(f, r, i);
            break;
        case PL_SYNC:
            if (!f)
                goto unnamed;
            make_durable(f, h->off);
            break;
        case PL_SYNC_ALL:
            for (size_t j = 0; j < d->n_files; j++)
                make_durable(&d->files[j], h->off);
            break;
        case PL_TRUNCATE:
            if (!f)
                goto unnamed;
            set_size(f, h->off);
            break;
        case PL_ALLOCATE: {
            uint64_t pay[2];
            if (!f || h->len != sizeof pay)
                goto unnamed;
            memcpy(pay, r->payload, sizeof pay);
            if (!(pay[1] & 1) && h->off + pay[0] > f->cache.size) /* not FALLOC_FL_KEEP_SIZE */
                set_size(f, h->off + pay[0]);
            break;
        }
        case PL_RENAME: {
            const char *from = (const char *)r->payload;
            const char *to = from + strlen(from) + 1;
            file *g = *from ? by_name(d, from) : NULL;
            if (*to) {
                if (!g) {
                    fprintf(stderr,
                            "sb_powerloss: record %llu renames a file from outside "
                            "the directory into it as %s; the model does not know its "
                            "contents\n",
                            (unsigned long long)i, to);
                    return -1;
                }
                drop_name(d, to);
                free(g->name);
                g->name = strdup(to);
            } else if (g) {
                free(g->name);
                g->name = NULL;
            }
            break;
        }
        case PL_UNLINK: {
            char name[4096];
            snprintf(name, sizeof name, "%.*s", (int)h->len, (const char *)r->payload);
            drop_name(d, name);
            break;
        }
        case PL_NOTE:
            break;
        case PL_UNMODELLED:
            fprintf(stderr, "sb_powerloss: record %llu: %.*s; the model cannot follow it\n",
                    (unsigned long long)i, (int)h->len, (const char *)r->payload);
            return -1;
        }
        continue;
    unnamed:
        fprintf(stderr, "sb_powerloss: record %llu (kind %u) is about file %u, never named\n",
                (unsigned long long)i, h->kind, h->file);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ images */

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit_rand(uint64_t *s)
{
    return (double)(next_rand(s) >> 11) / (double)(1ull << 53);
}

static int by_page(const void *a, const void *b)
{
    const version *x = a, *y = b;
    if (x->page != y->page)
        return x->page < y->page ? -1 : 1;
    return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static int write_out(const char *path, const buf *b)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "sb_powerloss: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t done = 0;
    while (done < b->size) {
        ssize_t n = write(fd, b->data + done, b->size - done);
        if (n <= 0) {
            fprintf(stderr, "sb_powerloss: write %s: %s\n", path, strerror(errno));
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}

int pl_disk_image(pl_disk *d, uint64_t cut, double keep, uint64_t seed, const char *out_dir,
                  pl_image_info *ret)
{
    pl_image_info info = {0};
    if (replay(d, cut))
        return -1;
    if (mkdir(out_dir, 0750) && errno != EEXIST) {
        fprintf(stderr, "sb_powerloss: %s: %s\n", out_dir, strerror(errno));
        return -1;
    }
    uint64_t rng = seed;
    buf out = {0};
    int r = 0;
    for (size_t i = 0; i < d->n_files && r == 0; i++) {
        file *f = &d->files[i];
        if (!f->name || strcmp(f->name, ".") == 0)
            continue;
        buf_copy(&out, &f->durable);
        /* each page on its own: kept or not, and if kept, which version */
        if (f->n_pend)
            qsort(f->pend, f->n_pend, sizeof *f->pend, by_page);
        for (size_t j = 0; j < f->n_pend;) {
            size_t n = 1;
            while (j + n < f->n_pend && f->pend[j + n].page == f->pend[j].page)
                n++;
            info.pending_pages++;
            if (unit_rand(&rng) < keep) {
                version *chosen = &f->pend[j + next_rand(&rng) % n];
                uint64_t start = chosen->page * PAGE;
                if (start + chosen->ext > out.size)
                    buf_resize(&out, start + chosen->ext);
                memcpy(out.data + start, chosen->data, chosen->ext);
                info.kept_pages++;
            }
            j += n;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", out_dir, f->name);
        r = write_out(path, &out);
        info.files++;
    }
    free(out.data);
    if (r == 0 && ret)
        *ret = info;
    return r;
}
