/* Guest symbol tables from ELF64 files and System.map (see util/symbols.h).
 *
 * An ELF file is read with pread: the header, the section header table, the first SHT_SYMTAB
 * and the string table it links to, nothing else (a vmlinux with debug information is mostly
 * DWARF). Every field is decoded little-endian from bytes, at the offsets of glibc's <elf.h>
 * structures, so nothing depends on the host's byte order or on the file's alignment; every
 * offset and size is checked against the file's size, without overflow, before it is used.
 * A System.map is read whole and its names are cut in place.
 *
 * The table is one array sorted by (address, rank, name), where rank orders the symbols that
 * share an address (functions, objects, untyped; then global, weak, local), and an array of
 * pointers into it sorted by (name, rank, address) for symbols_find. The string pool (the ELF
 * string table or the System.map text) is kept whole and the names point into it. */
#include "util/symbols.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/hex.h"

typedef struct SymEntry {
    uint64_t addr;
    uint64_t size;          /* bytes; 0 when unknown */
    uint64_t last;          /* last address covered, inclusive; set on the first entry of each
                             * run of equal addresses (the one lookups return) */
    const char *name;       /* NUL-terminated, in Symbols.pool */
    unsigned rank;          /* kind * 3 + binding, see rank_of(); lower is preferred */
} SymEntry;

struct Symbols {
    SymEntry *entries;      /* n entries sorted by (addr, rank, name) */
    const SymEntry **by_name;   /* the same n, sorted by (name, rank, addr) */
    size_t n;
    char *pool;             /* the names' bytes */
};

/* The ranks of the symbols sharing an address. */
enum sym_kind { KIND_FUNC, KIND_OBJECT, KIND_NOTYPE };
enum sym_bind { BIND_GLOBAL, BIND_WEAK, BIND_LOCAL };

static unsigned rank_of(enum sym_kind kind, enum sym_bind bind)
{
    return (unsigned)kind * 3 + (unsigned)bind;
}

/* ---- errors ------------------------------------------------------------------------------ */

/* Writes "path: message" into err and returns -1. */
__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    if (err && errlen) {
        int n = snprintf(err, errlen, "%s: ", path);
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* ---- reading the file -------------------------------------------------------------------- */

/* Reads exactly len bytes at off; -1 with errno set (EIO when the file ended early: it shrank
 * after fstat). */
static int read_at(int fd, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t got = pread(fd, p, len, (off_t)off);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (got == 0) {
            errno = EIO;
            return -1;
        }
        p += got;
        off += (uint64_t)got;
        len -= (size_t)got;
    }
    return 0;
}

/* Whether [off, off + len) lies inside a file of file_size bytes (no overflow). */
static bool in_file(uint64_t off, uint64_t len, uint64_t file_size)
{
    return off <= file_size && len <= file_size - off;
}

/* A little-endian unsigned integer of n (1, 2, 4 or 8) bytes. */
static uint64_t rd_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Field f of the <elf.h> structure type T, decoded from the raw bytes at buf. */
#define ELF_FIELD(buf, T, f) rd_le((const uint8_t *)(buf) + offsetof(T, f), sizeof(((T *)0)->f))

/* ---- building the table ------------------------------------------------------------------ */

/* Mapping symbols ("$x", "$d", "$xrv64i2p1...") and assembler-local labels (".L..."): they
 * mark code or data inside functions and would hide the functions' names. */
static bool name_is_label(const char *name)
{
    return name[0] == '\0' || name[0] == '$' || (name[0] == '.' && name[1] == 'L');
}

static int cmp_by_addr(const void *pa, const void *pb)
{
    const SymEntry *a = pa, *b = pb;
    if (a->addr != b->addr) {
        return a->addr < b->addr ? -1 : 1;
    }
    if (a->rank != b->rank) {
        return a->rank < b->rank ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

static int cmp_by_name(const void *pa, const void *pb)
{
    const SymEntry *a = *(const SymEntry *const *)pa, *b = *(const SymEntry *const *)pb;
    int c = strcmp(a->name, b->name);
    if (c) {
        return c;
    }
    if (a->rank != b->rank) {
        return a->rank < b->rank ? -1 : 1;
    }
    if (a->addr != b->addr) {
        return a->addr < b->addr ? -1 : 1;
    }
    return 0;
}

/* Sorts entries[0..n) and makes the table, taking entries and pool. On failure frees both. */
static int finish_table(Symbols **out, SymEntry *entries, size_t n, char *pool,
                        const char *path, char *err, size_t errlen)
{
    qsort(entries, n, sizeof(*entries), cmp_by_addr);

    /* Coverage, on the first entry of each run of equal addresses. */
    for (size_t i = 0; i < n;) {
        size_t next = i + 1;
        while (next < n && entries[next].addr == entries[i].addr) {
            next++;
        }
        SymEntry *e = &entries[i];
        if (e->size) {
            e->last = e->size - 1 > UINT64_MAX - e->addr ? UINT64_MAX : e->addr + (e->size - 1);
        } else if (next < n) {
            e->last = entries[next].addr - 1;
        } else {
            e->last = e->addr;
        }
        i = next;
    }

    const SymEntry **by_name = malloc(n * sizeof(*by_name));
    Symbols *s = malloc(sizeof(*s));
    if (!by_name || !s) {
        free(by_name);
        free(s);
        free(entries);
        free(pool);
        return fail(err, errlen, path, "out of memory for %zu symbols", n);
    }
    for (size_t i = 0; i < n; i++) {
        by_name[i] = &entries[i];
    }
    qsort(by_name, n, sizeof(*by_name), cmp_by_name);
    *s = (Symbols){ .entries = entries, .by_name = by_name, .n = n, .pool = pool };
    *out = s;
    return 0;
}

/* ---- ELF --------------------------------------------------------------------------------- */

/* Checks that section index idx's contents lie in the file; -1 with a message otherwise. */
static int check_section(const uint8_t *sh, unsigned idx, const char *what, uint64_t file_size,
                         const char *path, char *err, size_t errlen)
{
    uint64_t off = ELF_FIELD(sh, Elf64_Shdr, sh_offset);
    uint64_t size = ELF_FIELD(sh, Elf64_Shdr, sh_size);
    if (ELF_FIELD(sh, Elf64_Shdr, sh_type) == SHT_NOBITS) {
        return fail(err, errlen, path, "section %u (%s) has no bytes in the file (SHT_NOBITS)",
                    idx, what);
    }
    if (!in_file(off, size, file_size)) {
        return fail(err, errlen, path,
                    "section %u (%s) at offset 0x%" PRIx64 ", 0x%" PRIx64 " bytes, runs past "
                    "the end of the file (0x%" PRIx64 " bytes)", idx, what, off, size, file_size);
    }
    return 0;
}

/* Decodes the symbols of symtab (count entries of entsize bytes, at file offset symoff) whose
 * names are in strtab[0..strsize) into entries; returns how many were kept, or -1. */
static long elf_collect(const uint8_t *symtab, uint64_t count, uint64_t entsize, uint64_t symoff,
                        const char *strtab, uint64_t strsize, unsigned strndx, SymEntry *entries,
                        const char *path, char *err, size_t errlen)
{
    long kept = 0;
    for (uint64_t i = 1; i < count; i++) {          /* entry 0 is the undefined symbol */
        const uint8_t *sym = symtab + i * entsize;
        uint64_t name_off = ELF_FIELD(sym, Elf64_Sym, st_name);
        unsigned info = (unsigned)ELF_FIELD(sym, Elf64_Sym, st_info);
        uint64_t shndx = ELF_FIELD(sym, Elf64_Sym, st_shndx);
        uint64_t value = ELF_FIELD(sym, Elf64_Sym, st_value);
        uint64_t size = ELF_FIELD(sym, Elf64_Sym, st_size);

        if (name_off >= strsize && !(name_off == 0 && strsize == 0)) {
            return fail(err, errlen, path,
                        "symbol %" PRIu64 " (file offset 0x%" PRIx64 "): name offset 0x%" PRIx64
                        " is beyond its string table (section %u, 0x%" PRIx64 " bytes)",
                        i, symoff + i * entsize, name_off, strndx, strsize);
        }
        const char *name = strsize ? strtab + name_off : "";
        if (strsize && !memchr(name, '\0', strsize - name_off)) {
            return fail(err, errlen, path,
                        "symbol %" PRIu64 " (file offset 0x%" PRIx64 "): name at 0x%" PRIx64
                        " runs past the end of its string table (section %u)",
                        i, symoff + i * entsize, name_off, strndx);
        }

        enum sym_kind kind;
        switch (ELF64_ST_TYPE(info)) {
        case STT_FUNC:
        case STT_GNU_IFUNC: kind = KIND_FUNC; break;
        case STT_OBJECT: kind = KIND_OBJECT; break;
        case STT_NOTYPE: kind = KIND_NOTYPE; break;
        default: continue;                          /* section, file, TLS, common */
        }
        enum sym_bind bind;
        switch (ELF64_ST_BIND(info)) {
        case STB_LOCAL: bind = BIND_LOCAL; break;
        case STB_WEAK: bind = BIND_WEAK; break;
        default: bind = BIND_GLOBAL; break;         /* global, GNU unique */
        }
        /* Defined in a section: not undefined, absolute or common (SHN_XINDEX is). */
        if (shndx == SHN_UNDEF || (shndx >= SHN_LORESERVE && shndx != SHN_XINDEX)) {
            continue;
        }
        if (value == 0 || name_is_label(name)) {
            continue;
        }
        entries[kept++] = (SymEntry){ .addr = value, .size = size, .name = name,
                                      .rank = rank_of(kind, bind) };
    }
    return kept;
}

static int load_elf(Symbols **out, int fd, uint64_t file_size, const char *path, char *err,
                    size_t errlen)
{
    uint8_t eh[sizeof(Elf64_Ehdr)];
    if (file_size < sizeof(eh)) {
        return fail(err, errlen, path,
                    "truncated ELF: 0x%" PRIx64 " bytes, the ELF header needs 0x%zx",
                    file_size, sizeof(eh));
    }
    if (read_at(fd, 0, eh, sizeof(eh))) {
        return fail(err, errlen, path, "reading the ELF header: %s", strerror(errno));
    }
    if (eh[EI_CLASS] != ELFCLASS64) {
        return fail(err, errlen, path, "not an ELF64 file (EI_CLASS %u at offset 0x%x)",
                    eh[EI_CLASS], EI_CLASS);
    }
    if (eh[EI_DATA] != ELFDATA2LSB) {
        return fail(err, errlen, path, "not a little-endian ELF file (EI_DATA %u at offset 0x%x)",
                    eh[EI_DATA], EI_DATA);
    }

    uint64_t shoff = ELF_FIELD(eh, Elf64_Ehdr, e_shoff);
    uint64_t shentsize = ELF_FIELD(eh, Elf64_Ehdr, e_shentsize);
    uint64_t shnum = ELF_FIELD(eh, Elf64_Ehdr, e_shnum);
    if (shoff == 0) {
        return fail(err, errlen, path, "no section header table (e_shoff is 0)");
    }
    if (shentsize < sizeof(Elf64_Shdr)) {
        return fail(err, errlen, path,
                    "section header size %" PRIu64 " (e_shentsize at offset 0x%zx), expected "
                    "at least %zu", shentsize, offsetof(Elf64_Ehdr, e_shentsize),
                    sizeof(Elf64_Shdr));
    }
    if (!in_file(shoff, shentsize, file_size)) {
        return fail(err, errlen, path,
                    "section header table at offset 0x%" PRIx64 " is beyond the end of the "
                    "file (0x%" PRIx64 " bytes)", shoff, file_size);
    }
    if (shnum == 0) {
        /* More than SHN_LORESERVE sections: the count is section 0's sh_size. */
        uint8_t sh0[sizeof(Elf64_Shdr)];
        if (read_at(fd, shoff, sh0, sizeof(sh0))) {
            return fail(err, errlen, path, "reading section header 0 at offset 0x%" PRIx64
                        ": %s", shoff, strerror(errno));
        }
        shnum = ELF_FIELD(sh0, Elf64_Shdr, sh_size);
    }
    if (shnum == 0 || shnum > (file_size - shoff) / shentsize) {
        return fail(err, errlen, path,
                    "section header table at offset 0x%" PRIx64 ", %" PRIu64 " entries of %"
                    PRIu64 " bytes, runs past the end of the file (0x%" PRIx64 " bytes)",
                    shoff, shnum, shentsize, file_size);
    }

    int rc = -1;
    uint8_t *shdrs = NULL, *symtab = NULL;
    char *strtab = NULL;
    SymEntry *entries = NULL;
    size_t sh_bytes = (size_t)(shnum * shentsize);
    shdrs = malloc(sh_bytes);
    if (!shdrs) {
        fail(err, errlen, path, "out of memory for %" PRIu64 " section headers", shnum);
        goto out;
    }
    if (read_at(fd, shoff, shdrs, sh_bytes)) {
        fail(err, errlen, path, "reading the section headers at offset 0x%" PRIx64 ": %s",
             shoff, strerror(errno));
        goto out;
    }

    unsigned symndx = 0;
    for (uint64_t i = 1; i < shnum; i++) {
        if (ELF_FIELD(shdrs + i * shentsize, Elf64_Shdr, sh_type) == SHT_SYMTAB) {
            symndx = (unsigned)i;
            break;
        }
    }
    if (!symndx) {
        fail(err, errlen, path, "no .symtab section (stripped?)");
        goto out;
    }
    const uint8_t *sym_sh = shdrs + (uint64_t)symndx * shentsize;
    if (check_section(sym_sh, symndx, ".symtab", file_size, path, err, errlen)) {
        goto out;
    }
    uint64_t symoff = ELF_FIELD(sym_sh, Elf64_Shdr, sh_offset);
    uint64_t symsize = ELF_FIELD(sym_sh, Elf64_Shdr, sh_size);
    uint64_t entsize = ELF_FIELD(sym_sh, Elf64_Shdr, sh_entsize);
    uint64_t strndx = ELF_FIELD(sym_sh, Elf64_Shdr, sh_link);
    if (entsize < sizeof(Elf64_Sym)) {
        fail(err, errlen, path, "section %u (.symtab): entry size %" PRIu64 ", expected at "
             "least %zu", symndx, entsize, sizeof(Elf64_Sym));
        goto out;
    }
    if (strndx == 0 || strndx >= shnum) {
        fail(err, errlen, path, "section %u (.symtab): string table index %" PRIu64
             " is not a section (%" PRIu64 " sections)", symndx, strndx, shnum);
        goto out;
    }
    const uint8_t *str_sh = shdrs + strndx * shentsize;
    if (ELF_FIELD(str_sh, Elf64_Shdr, sh_type) != SHT_STRTAB) {
        fail(err, errlen, path, "section %" PRIu64 " (the .symtab's string table) is not "
             "SHT_STRTAB", strndx);
        goto out;
    }
    if (check_section(str_sh, (unsigned)strndx, ".symtab's string table", file_size, path,
                      err, errlen)) {
        goto out;
    }
    uint64_t stroff = ELF_FIELD(str_sh, Elf64_Shdr, sh_offset);
    uint64_t strsize = ELF_FIELD(str_sh, Elf64_Shdr, sh_size);

    uint64_t count = symsize / entsize;
    symtab = malloc(symsize ? (size_t)symsize : 1);
    strtab = malloc((size_t)strsize + 1);           /* + a NUL after the last name */
    entries = malloc((count ? (size_t)count : 1) * sizeof(*entries));
    if (!symtab || !strtab || !entries) {
        fail(err, errlen, path, "out of memory for %" PRIu64 " symbols", count);
        goto out;
    }
    if (read_at(fd, symoff, symtab, (size_t)symsize)) {
        fail(err, errlen, path, "reading .symtab at offset 0x%" PRIx64 ": %s", symoff,
             strerror(errno));
        goto out;
    }
    if (read_at(fd, stroff, strtab, (size_t)strsize)) {
        fail(err, errlen, path, "reading the string table at offset 0x%" PRIx64 ": %s", stroff,
             strerror(errno));
        goto out;
    }
    strtab[strsize] = '\0';

    long kept = elf_collect(symtab, count, entsize, symoff, strtab, strsize, (unsigned)strndx,
                            entries, path, err, errlen);
    if (kept < 0) {
        goto out;
    }
    if (kept == 0) {
        fail(err, errlen, path, "no function or object symbols with an address in .symtab "
             "(section %u, %" PRIu64 " entries)", symndx, count);
        goto out;
    }
    rc = finish_table(out, entries, (size_t)kept, strtab, path, err, errlen);
    entries = NULL;                                 /* finish_table took both */
    strtab = NULL;
out:
    free(entries);
    free(strtab);
    free(symtab);
    free(shdrs);
    return rc;
}

/* ---- System.map -------------------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}


/* The rank of a System.map type letter, or -1 for a type that is not kept (A, U, N, ...). */
static int map_rank(char type)
{
    switch (type) {
    case 'T': return (int)rank_of(KIND_FUNC, BIND_GLOBAL);
    case 't': return (int)rank_of(KIND_FUNC, BIND_LOCAL);
    case 'W': case 'w': return (int)rank_of(KIND_FUNC, BIND_WEAK);
    case 'V': case 'v': return (int)rank_of(KIND_OBJECT, BIND_WEAK);
    case 'D': case 'B': case 'R': case 'G': case 'S':
        return (int)rank_of(KIND_OBJECT, BIND_GLOBAL);
    case 'd': case 'b': case 'r': case 'g': case 's':
        return (int)rank_of(KIND_OBJECT, BIND_LOCAL);
    default: return -1;
    }
}

/* Parses one line line[0..len) ("ADDR TYPE NAME", optionally followed by a "[module]" as in
 * /proc/kallsyms). Returns false when it is malformed; otherwise stores the address, type and
 * name and NUL-terminates the name in place (the byte after it is a blank, the line's end or
 * the buffer's spare NUL). */
static bool map_parse_line(char *line, size_t len, uint64_t *addr, char *type, char **name)
{
    size_t i = 0, digits = 0;
    uint64_t v = 0;
    for (; i < len && hex_digit_value((unsigned char)line[i]) >= 0; i++, digits++) {
        v = v << 4 | (uint64_t)hex_digit_value((unsigned char)line[i]);
    }
    if (digits == 0 || digits > 16 || i == len || !is_blank(line[i])) {
        return false;
    }
    while (i < len && is_blank(line[i])) {
        i++;
    }
    if (i + 1 >= len || !is_blank(line[i + 1])) {
        return false;
    }
    char t = line[i];
    if (!((t >= 'A' && t <= 'Z') || (t >= 'a' && t <= 'z') || t == '?' || t == '-')) {
        return false;
    }
    i += 1;
    while (i < len && is_blank(line[i])) {
        i++;
    }
    size_t start = i;
    for (; i < len && !is_blank(line[i]); i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    if (i == start) {
        return false;
    }
    size_t name_end = i;
    while (i < len && is_blank(line[i])) {
        i++;
    }
    if (i < len) {                                  /* only "[module]" may follow */
        size_t rest = len - i;
        if (line[i] != '[' || line[len - 1] != ']' || memchr(line + i, ' ', rest) ||
            memchr(line + i, '\t', rest)) {
            return false;
        }
    }
    line[name_end] = '\0';
    *addr = v;
    *type = t;
    *name = line + start;
    return true;
}

static int load_map(Symbols **out, int fd, uint64_t file_size, const char *path, char *err,
                    size_t errlen)
{
    if (file_size == 0) {
        return fail(err, errlen, path, "empty file: neither ELF nor a System.map");
    }
    size_t size = (size_t)file_size;
    char *text = malloc(size + 1);
    if (!text) {
        return fail(err, errlen, path, "out of memory for 0x%zx bytes", size);
    }
    if (read_at(fd, 0, text, size)) {
        free(text);
        return fail(err, errlen, path, "read: %s", strerror(errno));
    }
    text[size] = '\0';

    size_t lines = 1;
    for (const char *p = text; (p = memchr(p, '\n', size - (size_t)(p - text))); p++) {
        lines++;
    }
    SymEntry *entries = malloc(lines * sizeof(*entries));
    if (!entries) {
        free(text);
        return fail(err, errlen, path, "out of memory for %zu lines", lines);
    }

    size_t n = 0, well_formed = 0, first_bad = 0, lineno = 0;
    for (size_t pos = 0; pos < size;) {
        char *line = text + pos;
        char *nl = memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) : size - pos;
        pos += len + 1;
        lineno++;
        if (len && line[len - 1] == '\r') {
            len--;
        }
        size_t blank = 0;
        while (blank < len && is_blank(line[blank])) {
            blank++;
        }
        if (blank == len) {
            continue;                               /* empty line */
        }
        uint64_t addr;
        char type;
        char *name;
        if (!map_parse_line(line, len, &addr, &type, &name)) {
            if (!first_bad) {
                first_bad = lineno;
            }
            continue;
        }
        well_formed++;
        int rank = map_rank(type);
        if (rank < 0 || addr == 0 || name_is_label(name)) {
            continue;
        }
        entries[n++] = (SymEntry){ .addr = addr, .name = name, .rank = (unsigned)rank };
    }

    if (n == 0) {
        free(entries);
        free(text);
        if (!well_formed && !first_bad) {
            return fail(err, errlen, path, "neither ELF nor a System.map (only blank lines)");
        }
        if (!well_formed) {
            return fail(err, errlen, path,
                        "neither ELF nor a System.map (line %zu is not \"ADDRESS TYPE NAME\")",
                        first_bad);
        }
        return fail(err, errlen, path, "no symbols with an address in %zu System.map lines",
                    well_formed);
    }
    return finish_table(out, entries, n, text, path, err, errlen);
}

/* ---- public API -------------------------------------------------------------------------- */

int symbols_load(Symbols **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen) {
        err[0] = '\0';
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail(err, errlen, path, "cannot open: %s", strerror(errno));
    }
    struct stat st;
    int rc;
    if (fstat(fd, &st)) {
        rc = fail(err, errlen, path, "cannot stat: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = fail(err, errlen, path, "not a regular file");
    } else if ((uint64_t)st.st_size > SYMBOLS_MAX_FILE_SIZE) {
        rc = fail(err, errlen, path, "0x%" PRIx64 " bytes: larger than the 0x%llx-byte limit "
                  "for symbol files", (uint64_t)st.st_size, SYMBOLS_MAX_FILE_SIZE);
    } else {
        uint64_t size = (uint64_t)st.st_size;
        uint8_t magic[SELFMAG];
        bool elf = size >= SELFMAG && read_at(fd, 0, magic, SELFMAG) == 0 &&
                   memcmp(magic, ELFMAG, SELFMAG) == 0;
        rc = elf ? load_elf(out, fd, size, path, err, errlen)
                 : load_map(out, fd, size, path, err, errlen);
    }
    close(fd);
    return rc;
}

bool symbols_lookup(const Symbols *s, uint64_t addr, const char **name, uint64_t *offset)
{
    if (!s || s->n == 0) {
        return false;
    }
    /* hi: the first entry whose address is > addr. */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->entries[mid].addr <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (hi == 0) {
        return false;
    }
    /* The first entry of the run that shares entries[hi - 1]'s address. */
    uint64_t start = s->entries[hi - 1].addr;
    lo = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->entries[mid].addr < start) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    const SymEntry *e = &s->entries[lo];
    if (addr > e->last) {
        return false;
    }
    if (name) {
        *name = e->name;
    }
    if (offset) {
        *offset = addr - e->addr;
    }
    return true;
}

int symbols_format(const Symbols *s, uint64_t addr, char *buf, size_t len)
{
    const char *name;
    uint64_t off;
    if (!symbols_lookup(s, addr, &name, &off)) {
        return snprintf(buf, len, "0x%" PRIx64, addr);
    }
    if (off == 0) {
        return snprintf(buf, len, "%s", name);
    }
    return snprintf(buf, len, "%s+0x%" PRIx64, name, off);
}

bool symbols_find(const Symbols *s, const char *name, uint64_t *addr)
{
    if (!s) {
        return false;
    }
    size_t lo = 0, hi = s->n;
    while (lo < hi) {                               /* the first entry whose name >= name */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->by_name[mid]->name, name) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == s->n || strcmp(s->by_name[lo]->name, name) != 0) {
        return false;
    }
    if (addr) {
        *addr = s->by_name[lo]->addr;
    }
    return true;
}

size_t symbols_count(const Symbols *s)
{
    return s ? s->n : 0;
}

void symbols_free(Symbols *s)
{
    if (!s) {
        return;
    }
    free(s->by_name);
    free(s->entries);
    free(s->pool);
    free(s);
}
