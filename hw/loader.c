/* Guest image loading. Every check runs before the first byte goes into guest RAM: the ELF
 * path reads the headers (and the symbol table) into host memory, validates them all, and
 * only then reads each segment straight from the file into RAM with pread(), so a file larger
 * than RAM or host memory is never read whole. Segment numbers in messages are program
 * header indexes, counted from 0 as readelf -l lists them. */
#include "hw/loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/host_file.h"

/* The ELF structures are read straight from the file. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "loader.c needs a little-endian host");
_Static_assert(sizeof(Elf64_Ehdr) == 64 && sizeof(Elf64_Phdr) == 56 &&
               sizeof(Elf64_Shdr) == 64 && sizeof(Elf64_Sym) == 24, "ELF64 layout");

/* An open image file and where its error message goes. */
struct src {
    const char *path;
    int fd;
    uint64_t size;                /* from fstat */
    Error **errp;
};

/* One PT_LOAD with a non-zero p_memsz, after validation. */
struct seg {
    unsigned index;               /* program header index */
    uint64_t paddr, pend;         /* [paddr, pend) in RAM */
    uint64_t vaddr, vend;
    uint64_t offset, filesz;
};

__attribute__((format(printf, 3, 4)))
static int fail(const struct src *s, int neg_errno, const char *fmt, ...)
{
    char *problem;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&problem, fmt, ap);
    va_end(ap);
    if (n < 0) {
        error_setg(s->errp, "%s: out of memory", s->path);
    } else {
        error_setg(s->errp, "%s: %s", s->path, problem);
        free(problem);
    }
    return neg_errno;
}

/* "300 MiB", "12 KiB" or "1234 bytes": the largest unit that is exact. */
static const char *fmt_size(char *buf, size_t len, uint64_t v)
{
    if (v != 0 && v % (1ULL << 20) == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(v >> 20));
    else if (v != 0 && v % (1ULL << 10) == 0)
        snprintf(buf, len, "%llu KiB", (unsigned long long)(v >> 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)v);
    return buf;
}

static int check_ram(const struct src *s, const struct guest_ram *ram)
{
    if (!ram || !ram->host || ram->size == 0 || ram->base + ram->size < ram->base)
        return fail(s, -EINVAL, "invalid guest RAM");
    return 0;
}

static int open_src(struct src *s, const char *path, Error **errp)
{
    struct stat st;

    s->path = path ? path : "(null)";
    s->fd = -1;
    s->errp = errp;
    if (!path)
        return fail(s, -EINVAL, "no file name");

    s->fd = host_file_open_input(path, O_RDONLY, &st);
    if (s->fd < 0)
        return fail(s, s->fd, "%s", strerror(-s->fd));
    if (!S_ISREG(st.st_mode)) {
        close(s->fd);
        s->fd = -1;
        if (S_ISDIR(st.st_mode))
            return fail(s, -EISDIR, "%s", strerror(EISDIR));
        return fail(s, -EINVAL, "not a regular file");
    }
    s->size = (uint64_t)st.st_size;
    return 0;
}

static void close_src(struct src *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

/* Reads exactly len bytes at off; the range was checked against the file size, so a short
 * read means the file changed under us. */
static int read_at(const struct src *s, void *buf, uint64_t len, uint64_t off)
{
    uint8_t *p = buf;

    while (len > 0) {
        size_t chunk = len > (1u << 30) ? (1u << 30) : (size_t)len;
        ssize_t n = pread(s->fd, p, chunk, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(s, -errno, "read error: %s", strerror(errno));
        }
        if (n == 0)
            return fail(s, -EIO, "file shrank while being read");
        p += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

/* [off, off + len) inside the file, without wrapping. */
static bool in_file(const struct src *s, uint64_t off, uint64_t len)
{
    return off <= s->size && len <= s->size - off;
}

/* ---- raw images ----------------------------------------------------------------------- */

static int load_raw_fd(struct src *s, const struct guest_ram *ram, uint64_t addr,
                       struct loaded_image *out)
{
    uint64_t ram_end = ram->base + ram->size;
    char a[32], b[32];
    int r;

    if (s->size == 0)
        return fail(s, -ENOEXEC, "empty image");
    if (addr < ram->base || addr >= ram_end)
        return fail(s, -EFBIG, "load address 0x%llx lies outside RAM [0x%llx, 0x%llx)",
                    (unsigned long long)addr, (unsigned long long)ram->base,
                    (unsigned long long)ram_end);
    if (s->size > ram_end - addr)
        return fail(s, -EFBIG, "%s image does not fit in %s of RAM at 0x%llx",
                    fmt_size(a, sizeof(a), s->size), fmt_size(b, sizeof(b), ram_end - addr),
                    (unsigned long long)addr);

    r = read_at(s, ram->host + (addr - ram->base), s->size, 0);
    if (r < 0)
        return r;
    *out = (struct loaded_image){ .entry = addr, .low = addr, .high = addr + s->size };
    return 0;
}

/* ---- ELF ------------------------------------------------------------------------------ */

static int cmp_seg_paddr(const void *a, const void *b)
{
    const struct seg *x = a, *y = b;
    return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* A virtual address inside a segment's [vaddr, vend) becomes the matching physical address;
 * anything else is returned unchanged. */
static uint64_t virt_to_phys(const struct seg *segs, unsigned n, uint64_t va)
{
    for (unsigned i = 0; i < n; i++)
        if (va >= segs[i].vaddr && va < segs[i].vend)
            return va - segs[i].vaddr + segs[i].paddr;
    return va;
}

static int check_ehdr(const struct src *s, const Elf64_Ehdr *eh)
{
    if (s->size < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return fail(s, -ENOEXEC, "not an ELF file (bad magic)");
    if (s->size < sizeof(*eh))
        return fail(s, -ENOEXEC, "truncated ELF header");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return fail(s, -ENOEXEC, "not a 64-bit ELF (EI_CLASS %u)", eh->e_ident[EI_CLASS]);
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(s, -ENOEXEC, "not a little-endian ELF (EI_DATA %u)", eh->e_ident[EI_DATA]);
    if (eh->e_ident[EI_VERSION] != EV_CURRENT)
        return fail(s, -ENOEXEC, "unsupported ELF version %u", eh->e_ident[EI_VERSION]);
    if (eh->e_machine != EM_RISCV)
        return fail(s, -ENOEXEC, "not a RISC-V ELF (e_machine %u)", eh->e_machine);
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return fail(s, -ENOEXEC, "not an executable ELF (e_type %u)", eh->e_type);
    if (eh->e_ehsize != sizeof(Elf64_Ehdr))
        return fail(s, -ENOEXEC, "bad ELF header size %u (expected %zu)", eh->e_ehsize,
                    sizeof(Elf64_Ehdr));
    if (eh->e_phnum == 0)
        return fail(s, -ENOEXEC, "no program headers");
    if (eh->e_phnum == PN_XNUM)
        return fail(s, -ENOEXEC, "extended program header numbering is not supported");
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return fail(s, -ENOEXEC, "bad program header size %u (expected %zu)",
                    eh->e_phentsize, sizeof(Elf64_Phdr));
    if (!in_file(s, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
        return fail(s, -ENOEXEC, "program header table at 0x%llx (%u entries) lies outside "
                    "the file (%llu bytes)", (unsigned long long)eh->e_phoff, eh->e_phnum,
                    (unsigned long long)s->size);
    return 0;
}

/* Validates every PT_LOAD and fills segs[] with the non-empty ones, sorted by address. */
static int check_segments(const struct src *s, const struct guest_ram *ram,
                          const Elf64_Phdr *ph, unsigned phnum, struct seg *segs, unsigned *nseg)
{
    uint64_t ram_end = ram->base + ram->size;
    unsigned n = 0;

    for (unsigned i = 0; i < phnum; i++) {
        const Elf64_Phdr *p = &ph[i];

        if (p->p_type == PT_INTERP)
            return fail(s, -ENOEXEC, "needs a program interpreter (PT_INTERP): "
                        "not a static executable");
        if (p->p_type != PT_LOAD)
            continue;
        if (p->p_filesz > p->p_memsz)
            return fail(s, -ENOEXEC, "segment %u: p_filesz 0x%llx exceeds p_memsz 0x%llx", i,
                        (unsigned long long)p->p_filesz, (unsigned long long)p->p_memsz);
        if (!in_file(s, p->p_offset, p->p_filesz))
            return fail(s, -ENOEXEC, "segment %u: file range at 0x%llx (0x%llx bytes) lies "
                        "outside the file (%llu bytes)", i, (unsigned long long)p->p_offset,
                        (unsigned long long)p->p_filesz, (unsigned long long)s->size);
        if (p->p_paddr + p->p_memsz < p->p_paddr || p->p_vaddr + p->p_memsz < p->p_vaddr)
            return fail(s, -ENOEXEC, "segment %u: address range overflows (p_paddr 0x%llx, "
                        "p_vaddr 0x%llx, p_memsz 0x%llx)", i, (unsigned long long)p->p_paddr,
                        (unsigned long long)p->p_vaddr, (unsigned long long)p->p_memsz);
        if (p->p_memsz == 0)
            continue;
        if (p->p_paddr < ram->base || p->p_paddr + p->p_memsz > ram_end)
            return fail(s, -EFBIG, "segment %u [0x%llx, 0x%llx) lies outside RAM "
                        "[0x%llx, 0x%llx)", i, (unsigned long long)p->p_paddr,
                        (unsigned long long)(p->p_paddr + p->p_memsz),
                        (unsigned long long)ram->base, (unsigned long long)ram_end);
        segs[n++] = (struct seg){
            .index = i, .paddr = p->p_paddr, .pend = p->p_paddr + p->p_memsz,
            .vaddr = p->p_vaddr, .vend = p->p_vaddr + p->p_memsz,
            .offset = p->p_offset, .filesz = p->p_filesz,
        };
    }
    if (n == 0)
        return fail(s, -ENOEXEC, "no loadable segments");

    /* sorted by index already; keep that order for entry translation, sort a copy */
    struct seg *sorted = malloc(n * sizeof(*sorted));
    if (!sorted)
        return fail(s, -ENOMEM, "out of memory");
    memcpy(sorted, segs, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_seg_paddr);
    for (unsigned k = 1; k < n; k++) {
        const struct seg *a = &sorted[k - 1], *b = &sorted[k];
        if (b->paddr < a->pend) {
            const struct seg *lo = a->index < b->index ? a : b, *hi = a->index < b->index ? b : a;
            int r = fail(s, -ENOEXEC, "segments %u [0x%llx, 0x%llx) and %u [0x%llx, 0x%llx) "
                         "overlap", lo->index, (unsigned long long)lo->paddr,
                         (unsigned long long)lo->pend, hi->index,
                         (unsigned long long)hi->paddr, (unsigned long long)hi->pend);
            free(sorted);
            return r;
        }
    }
    free(sorted);
    *nseg = n;
    return 0;
}

/* Symbol addresses for tohost/fromhost; 0 for an absent symbol. */
struct htif_syms {
    bool has_tohost, has_fromhost;
    uint64_t tohost, fromhost;
};

/* Reads the first SHT_SYMTAB and its string table, if the file has a section header table,
 * and looks up `tohost` and `fromhost`. A missing table or symtab is fine; a malformed one is
 * an error, since it means a broken (for instance truncated) file. */
static int find_htif_symbols(const struct src *s, const Elf64_Ehdr *eh, struct htif_syms *h)
{
    Elf64_Shdr *sh = NULL, sh0;
    Elf64_Sym *syms = NULL;
    char *strtab = NULL;
    uint64_t shnum = eh->e_shnum;
    int r = 0;

    *h = (struct htif_syms){ 0 };
    if (eh->e_shoff == 0)
        return 0;
    if (eh->e_shentsize != sizeof(Elf64_Shdr))
        return fail(s, -ENOEXEC, "bad section header size %u (expected %zu)", eh->e_shentsize,
                    sizeof(Elf64_Shdr));
    if (shnum == 0) {             /* extended numbering: the count is in section 0 */
        if (!in_file(s, eh->e_shoff, sizeof(sh0)))
            return fail(s, -ENOEXEC, "section header table at 0x%llx lies outside the file "
                        "(%llu bytes)", (unsigned long long)eh->e_shoff,
                        (unsigned long long)s->size);
        r = read_at(s, &sh0, sizeof(sh0), eh->e_shoff);
        if (r < 0)
            return r;
        shnum = sh0.sh_size;
        if (shnum == 0)
            return 0;
    }
    if (shnum > s->size / sizeof(Elf64_Shdr) ||
        !in_file(s, eh->e_shoff, shnum * sizeof(Elf64_Shdr)))
        return fail(s, -ENOEXEC, "section header table at 0x%llx (%llu entries) lies outside "
                    "the file (%llu bytes)", (unsigned long long)eh->e_shoff,
                    (unsigned long long)shnum, (unsigned long long)s->size);

    sh = malloc(shnum * sizeof(*sh));
    if (!sh)
        return fail(s, -ENOMEM, "out of memory");
    r = read_at(s, sh, shnum * sizeof(*sh), eh->e_shoff);
    if (r < 0)
        goto out;

    uint64_t i;
    for (i = 0; i < shnum; i++)
        if (sh[i].sh_type == SHT_SYMTAB)
            break;
    if (i == shnum)
        goto out;                 /* stripped: no symbols */

    const Elf64_Shdr *st = &sh[i];
    if (st->sh_entsize != sizeof(Elf64_Sym) || st->sh_size % sizeof(Elf64_Sym) != 0) {
        r = fail(s, -ENOEXEC, "section %llu: bad symbol table (sh_entsize %llu, sh_size %llu)",
                 (unsigned long long)i, (unsigned long long)st->sh_entsize,
                 (unsigned long long)st->sh_size);
        goto out;
    }
    if (!in_file(s, st->sh_offset, st->sh_size)) {
        r = fail(s, -ENOEXEC, "section %llu: symbol table lies outside the file (%llu bytes)",
                 (unsigned long long)i, (unsigned long long)s->size);
        goto out;
    }
    if (st->sh_link == 0 || st->sh_link >= shnum || sh[st->sh_link].sh_type != SHT_STRTAB) {
        r = fail(s, -ENOEXEC, "section %llu: symbol table links to section %u, which is not a "
                 "string table", (unsigned long long)i, st->sh_link);
        goto out;
    }
    const Elf64_Shdr *ss = &sh[st->sh_link];
    if (!in_file(s, ss->sh_offset, ss->sh_size)) {
        r = fail(s, -ENOEXEC, "section %u: string table lies outside the file (%llu bytes)",
                 st->sh_link, (unsigned long long)s->size);
        goto out;
    }

    uint64_t nsym = st->sh_size / sizeof(Elf64_Sym);
    uint64_t strsz = ss->sh_size;
    syms = malloc(st->sh_size ? st->sh_size : 1);
    strtab = malloc(strsz ? strsz : 1);
    if (!syms || !strtab) {
        r = fail(s, -ENOMEM, "out of memory reading the symbol table");
        goto out;
    }
    r = read_at(s, syms, st->sh_size, st->sh_offset);
    if (r == 0)
        r = read_at(s, strtab, strsz, ss->sh_offset);
    if (r < 0)
        goto out;
    if (nsym > 0 && (strsz == 0 || strtab[strsz - 1] != '\0')) {
        r = fail(s, -ENOEXEC, "section %u: string table does not end in a NUL", st->sh_link);
        goto out;
    }

    for (uint64_t k = 0; k < nsym; k++) {
        const Elf64_Sym *sym = &syms[k];
        if (sym->st_name >= strsz) {
            r = fail(s, -ENOEXEC, "symbol %llu: name offset 0x%x lies outside the string "
                     "table (%llu bytes)", (unsigned long long)k, sym->st_name,
                     (unsigned long long)strsz);
            goto out;
        }
        if (sym->st_shndx == SHN_UNDEF)
            continue;
        const char *name = strtab + sym->st_name;
        if (!h->has_tohost && strcmp(name, "tohost") == 0) {
            h->has_tohost = true;
            h->tohost = sym->st_value;
        } else if (!h->has_fromhost && strcmp(name, "fromhost") == 0) {
            h->has_fromhost = true;
            h->fromhost = sym->st_value;
        }
    }

out:
    free(syms);
    free(strtab);
    free(sh);
    return r;
}

static int load_elf_fd(struct src *s, const struct guest_ram *ram, struct loaded_image *out)
{
    uint64_t ram_end = ram->base + ram->size;
    Elf64_Ehdr eh = { 0 };
    Elf64_Phdr *ph = NULL;
    struct seg *segs = NULL;
    struct htif_syms h;
    unsigned nseg = 0;
    int r;

    r = read_at(s, &eh, s->size < sizeof(eh) ? s->size : sizeof(eh), 0);
    if (r < 0)
        return r;
    r = check_ehdr(s, &eh);
    if (r < 0)
        return r;

    ph = malloc((size_t)eh.e_phnum * sizeof(*ph));
    segs = malloc((size_t)eh.e_phnum * sizeof(*segs));
    if (!ph || !segs) {
        r = fail(s, -ENOMEM, "out of memory");
        goto out;
    }
    r = read_at(s, ph, (uint64_t)eh.e_phnum * sizeof(*ph), eh.e_phoff);
    if (r < 0)
        goto out;
    r = check_segments(s, ram, ph, eh.e_phnum, segs, &nseg);
    if (r < 0)
        goto out;

    uint64_t entry = virt_to_phys(segs, nseg, eh.e_entry);
    if (entry < ram->base || entry >= ram_end) {
        r = fail(s, -ENOEXEC, "entry point 0x%llx lies outside RAM [0x%llx, 0x%llx)",
                 (unsigned long long)entry, (unsigned long long)ram->base,
                 (unsigned long long)ram_end);
        goto out;
    }
    r = find_htif_symbols(s, &eh, &h);
    if (r < 0)
        goto out;

    /* Everything is valid: now, and only now, write guest RAM. */
    uint64_t low = UINT64_MAX, high = 0;
    for (unsigned i = 0; i < nseg; i++) {
        uint8_t *dst = ram->host + (segs[i].paddr - ram->base);
        r = read_at(s, dst, segs[i].filesz, segs[i].offset);
        if (r < 0)
            goto out;
        memset(dst + segs[i].filesz, 0, segs[i].pend - segs[i].paddr - segs[i].filesz);
        if (segs[i].paddr < low)
            low = segs[i].paddr;
        if (segs[i].pend > high)
            high = segs[i].pend;
    }

    *out = (struct loaded_image){
        .entry = entry, .low = low, .high = high, .is_elf = true,
        .has_tohost = h.has_tohost,
        .tohost = h.has_tohost ? virt_to_phys(segs, nseg, h.tohost) : 0,
        .fromhost = h.has_fromhost ? virt_to_phys(segs, nseg, h.fromhost) : 0,
    };
out:
    free(ph);
    free(segs);
    return r;
}

/* ---- public entry points -------------------------------------------------------------- */

int loader_load_elf(const char *path, const struct guest_ram *ram, struct loaded_image *out,
                    Error **errp)
{
    struct src s;
    int r = open_src(&s, path, errp);
    if (r < 0)
        return r;
    r = check_ram(&s, ram);
    if (r == 0)
        r = load_elf_fd(&s, ram, out);
    close_src(&s);
    return r;
}

int loader_load_raw(const char *path, const struct guest_ram *ram, uint64_t addr,
                    struct loaded_image *out, Error **errp)
{
    struct src s;
    int r = open_src(&s, path, errp);
    if (r < 0)
        return r;
    r = check_ram(&s, ram);
    if (r == 0)
        r = load_raw_fd(&s, ram, addr, out);
    close_src(&s);
    return r;
}

int loader_load_image(const char *path, const struct guest_ram *ram, uint64_t raw_addr,
                      struct loaded_image *out, Error **errp)
{
    unsigned char magic[SELFMAG];
    struct src s;
    int r = open_src(&s, path, errp);
    if (r < 0)
        return r;
    r = check_ram(&s, ram);
    if (r == 0 && s.size >= SELFMAG)
        r = read_at(&s, magic, SELFMAG, 0);
    if (r == 0) {
        if (s.size >= SELFMAG && memcmp(magic, ELFMAG, SELFMAG) == 0)
            r = load_elf_fd(&s, ram, out);
        else
            r = load_raw_fd(&s, ram, raw_addr, out);
    }
    close_src(&s);
    return r;
}
