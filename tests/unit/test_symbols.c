/* Criterion tests for util/symbols: ELF files and System.map files written into a temp dir at
 * test time; lookups at, inside and past symbols, the same-address choice, and every malformed
 * input refused with a one-line message that names the path (never a crash: also every
 * truncation and a byte overwritten at every offset of a small ELF). The real tlbtorture guest
 * and the stress-ng kernel's System.map are loaded when present, else those tests skip.
 * Single-threaded test process. No locks. */
#include <criterion/criterion.h>
#include <elf.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_tmpdir.h"
#include "util/symbols.h"

/* ---- fixture: a temp dir ------------------------------------------------------------------ */

static char err[512];

static void setup(void)
{
    fx_tmpdir_create("symbols");
    err[0] = '\0';
}

static void teardown(void)
{
    fx_tmpdir_remove();
}

TestSuite(symbols, .init = setup, .fini = teardown);

static const char *write_text(const char *name, const char *text)
{
    return fx_write_file(name, text, strlen(text));
}

/* ---- building ELF files ------------------------------------------------------------------- */

typedef struct TestSym {
    const char *name;
    uint64_t value, size;
    unsigned type, bind;
    uint16_t shndx;
} TestSym;

/* Where build_elf put things, so tests can break them. */
typedef struct ElfImage {
    _Alignas(8) uint8_t bytes[8192];
    size_t len;
    size_t symtab_off, strtab_off, shoff;
    unsigned nsyms;                 /* entries in .symtab, the null one included */
} ElfImage;

enum { SEC_NULL, SEC_TEXT, SEC_SYMTAB, SEC_STRTAB, SEC_SHSTRTAB, SEC_COUNT };

static size_t align8(size_t v)
{
    return (v + 7) & ~(size_t)7;
}

/* Writes an ELF64 RISC-V executable: the ELF header, .symtab (a null entry then syms),
 * .strtab, .shstrtab, then the section headers NULL, .text (no bytes), .symtab, .strtab and
 * .shstrtab. */
static void build_elf(ElfImage *img, const TestSym *syms, unsigned n)
{
    memset(img, 0, sizeof(*img));
    uint8_t *b = img->bytes;
    size_t pos = sizeof(Elf64_Ehdr);

    img->symtab_off = pos;
    img->nsyms = n + 1;
    pos += img->nsyms * sizeof(Elf64_Sym);

    img->strtab_off = pos;
    size_t str = 1;                                 /* byte 0: the empty name */
    for (unsigned i = 0; i < n; i++) {
        Elf64_Sym sym = {
            .st_name = (Elf64_Word)str,
            .st_info = ELF64_ST_INFO(syms[i].bind, syms[i].type),
            .st_shndx = syms[i].shndx,
            .st_value = syms[i].value,
            .st_size = syms[i].size,
        };
        memcpy(b + img->symtab_off + (i + 1) * sizeof(Elf64_Sym), &sym, sizeof(sym));
        size_t len = strlen(syms[i].name) + 1;
        cr_assert_lt(img->strtab_off + str + len, sizeof(img->bytes) / 2);
        memcpy(b + img->strtab_off + str, syms[i].name, len);
        str += len;
    }
    pos += str;

    static const char shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
    size_t shstr_off = pos;
    memcpy(b + pos, shstr, sizeof(shstr));
    pos += sizeof(shstr);

    img->shoff = align8(pos);
    Elf64_Shdr sh[SEC_COUNT] = {
        [SEC_TEXT] = { .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC |
                       SHF_EXECINSTR, .sh_addr = 0x80001000, .sh_offset = img->shoff,
                       .sh_size = 0, .sh_addralign = 4 },
        [SEC_SYMTAB] = { .sh_name = 7, .sh_type = SHT_SYMTAB, .sh_offset = img->symtab_off,
                         .sh_size = img->nsyms * sizeof(Elf64_Sym), .sh_link = SEC_STRTAB,
                         .sh_info = 1, .sh_entsize = sizeof(Elf64_Sym), .sh_addralign = 8 },
        [SEC_STRTAB] = { .sh_name = 15, .sh_type = SHT_STRTAB, .sh_offset = img->strtab_off,
                         .sh_size = str, .sh_addralign = 1 },
        [SEC_SHSTRTAB] = { .sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = shstr_off,
                           .sh_size = sizeof(shstr), .sh_addralign = 1 },
    };
    memcpy(b + img->shoff, sh, sizeof(sh));
    img->len = img->shoff + sizeof(sh);

    Elf64_Ehdr eh = {
        .e_type = ET_EXEC,
        .e_machine = EM_RISCV,
        .e_version = EV_CURRENT,
        .e_entry = 0x80001000,
        .e_shoff = img->shoff,
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_shentsize = sizeof(Elf64_Shdr),
        .e_shnum = SEC_COUNT,
        .e_shstrndx = SEC_SHSTRTAB,
    };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    memcpy(b, &eh, sizeof(eh));
}

/* Section header i of img, read and written through a copy (the bytes need not be aligned). */
static Elf64_Shdr get_shdr(const ElfImage *img, unsigned i)
{
    Elf64_Shdr sh;
    memcpy(&sh, img->bytes + img->shoff + i * sizeof(sh), sizeof(sh));
    return sh;
}

/* Symbol i of the image's .symtab (0 is the null symbol). Helpers rather than memcpy at the
 * call site: GCC 12's -Warray-bounds misjudges that offset into the static image at -O2. */
static Elf64_Sym get_sym(const ElfImage *img, unsigned i)
{
    Elf64_Sym sym;
    memcpy(&sym, img->bytes + img->symtab_off + i * sizeof(sym), sizeof(sym));
    return sym;
}

static void put_sym(ElfImage *img, unsigned i, const Elf64_Sym *sym)
{
    memcpy(img->bytes + img->symtab_off + i * sizeof(*sym), sym, sizeof(*sym));
}

static void put_shdr(ElfImage *img, unsigned i, const Elf64_Shdr *sh)
{
    memcpy(img->bytes + img->shoff + i * sizeof(*sh), sh, sizeof(*sh));
}

#define TEXT SEC_TEXT

/* The reference symbols: sized and unsized, a gap, four at one address, and the kinds that
 * must be left out. */
static const TestSym ref_syms[] = {
    { "func_a", 0x80001000, 0x100, STT_FUNC, STB_GLOBAL, TEXT },
    { "func_b", 0x80001200, 0x20, STT_FUNC, STB_LOCAL, TEXT },
    { "label", 0x80002000, 0, STT_NOTYPE, STB_GLOBAL, TEXT },
    { "obj", 0x80003000, 8, STT_OBJECT, STB_GLOBAL, TEXT },
    { "zeta", 0x80004000, 0x10, STT_FUNC, STB_GLOBAL, TEXT },
    { "alpha", 0x80004000, 0, STT_NOTYPE, STB_GLOBAL, TEXT },
    { "beta", 0x80004000, 0x10, STT_FUNC, STB_WEAK, TEXT },
    { "gamma", 0x80004000, 0x10, STT_FUNC, STB_GLOBAL, TEXT },
    { "helper", 0x80005100, 0x10, STT_FUNC, STB_LOCAL, TEXT },
    { "helper", 0x80005000, 0x10, STT_FUNC, STB_LOCAL, TEXT },
    { "dup", 0x80006000, 0x10, STT_FUNC, STB_LOCAL, TEXT },
    { "dup", 0x80006100, 0x10, STT_FUNC, STB_GLOBAL, TEXT },
    { "_end", 0x80010000, 0, STT_NOTYPE, STB_GLOBAL, TEXT },
    /* left out */
    { "$xrv64i2p1_m2p0", 0x80001000, 0, STT_NOTYPE, STB_LOCAL, TEXT },
    { "$d", 0x80003000, 0, STT_NOTYPE, STB_LOCAL, TEXT },
    { ".Ltmp0", 0x80001010, 0, STT_NOTYPE, STB_LOCAL, TEXT },
    { "a_section", 0x80001000, 0, STT_SECTION, STB_LOCAL, TEXT },
    { "a_file.c", 0x80001000, 0, STT_FILE, STB_LOCAL, SHN_ABS },
    { "tls_var", 0x10, 8, STT_TLS, STB_GLOBAL, TEXT },
    { "undefined_func", 0x80001000, 0, STT_FUNC, STB_GLOBAL, SHN_UNDEF },
    { "ABS_CONST", 0x80007000, 0, STT_NOTYPE, STB_GLOBAL, SHN_ABS },
    { "zero_value", 0, 0x10, STT_FUNC, STB_GLOBAL, TEXT },
    { "", 0x80008000, 0x10, STT_FUNC, STB_GLOBAL, TEXT },
};
#define REF_N ((unsigned)(sizeof(ref_syms) / sizeof(ref_syms[0])))
#define REF_KEPT 13u

static ElfImage img;

static Symbols *load_ok(const char *path)
{
    Symbols *s = NULL;
    int rc = symbols_load(&s, path, err, sizeof(err));
    cr_assert_eq(rc, 0, "load %s: %s", path, err);
    cr_assert_not_null(s);
    return s;
}

static Symbols *load_ref(void)
{
    build_elf(&img, ref_syms, REF_N);
    return load_ok(fx_write_file("ref.elf", img.bytes, img.len));
}

/* symbols_format's text for addr. */
static const char *fmt(const Symbols *s, uint64_t addr)
{
    static char buf[128];
    int n = symbols_format(s, addr, buf, sizeof(buf));
    cr_assert_eq((size_t)n, strlen(buf));
    return buf;
}

static void expect_sym(const Symbols *s, uint64_t addr, const char *want, uint64_t want_off)
{
    const char *name = NULL;
    uint64_t off = ~0ULL;
    cr_assert(symbols_lookup(s, addr, &name, &off), "0x%" PRIx64 " not found", addr);
    cr_assert_str_eq(name, want, "0x%" PRIx64 ": %s, expected %s", addr, name, want);
    cr_assert_eq(off, want_off, "0x%" PRIx64 ": offset 0x%" PRIx64, addr, off);
}

static void expect_none(const Symbols *s, uint64_t addr)
{
    const char *name = "untouched";
    uint64_t off = 42;
    cr_assert_not(symbols_lookup(s, addr, &name, &off), "0x%" PRIx64 " resolved to %s+0x%"
                  PRIx64, addr, name, off);
    cr_assert_str_eq(name, "untouched");
    cr_assert_eq(off, 42);
}

/* ---- ELF lookups -------------------------------------------------------------------------- */

Test(symbols, elf_lookup_at_symbol_start)
{
    Symbols *s = load_ref();
    cr_assert_eq(symbols_count(s), REF_KEPT);
    expect_sym(s, 0x80001000, "func_a", 0);
    expect_sym(s, 0x80001200, "func_b", 0);
    expect_sym(s, 0x80003000, "obj", 0);
    cr_assert_str_eq(fmt(s, 0x80001000), "func_a");
    symbols_free(s);
}

Test(symbols, elf_lookup_inside_symbol)
{
    Symbols *s = load_ref();
    expect_sym(s, 0x80001010, "func_a", 0x10);
    expect_sym(s, 0x800010ff, "func_a", 0xff);
    expect_sym(s, 0x80001207, "func_b", 7);
    cr_assert_str_eq(fmt(s, 0x80001010), "func_a+0x10");
    symbols_free(s);
}

Test(symbols, elf_lookup_past_sized_symbol_end_is_unknown)
{
    Symbols *s = load_ref();
    expect_none(s, 0x80001100);                    /* func_a is 0x100 bytes */
    expect_none(s, 0x800011ff);
    expect_none(s, 0x80001220);                    /* func_b is 0x20 bytes */
    expect_none(s, 0x80003008);                    /* obj is 8 bytes */
    cr_assert_str_eq(fmt(s, 0x80001100), "0x80001100");
    symbols_free(s);
}

Test(symbols, elf_lookup_before_first_symbol_is_unknown)
{
    Symbols *s = load_ref();
    expect_none(s, 0x80000fff);
    expect_none(s, 0);
    cr_assert_str_eq(fmt(s, 0x80000fff), "0x80000fff");
    symbols_free(s);
}

Test(symbols, elf_unsized_symbol_reaches_the_next_one)
{
    Symbols *s = load_ref();
    expect_sym(s, 0x80002000, "label", 0);
    expect_sym(s, 0x80002fff, "label", 0xfff);
    expect_sym(s, 0x80003000, "obj", 0);
    /* The last symbol has no size and nothing after it: only its own address. */
    expect_sym(s, 0x80010000, "_end", 0);
    expect_none(s, 0x80010001);
    expect_none(s, UINT64_MAX);
    symbols_free(s);
}

Test(symbols, elf_same_address_choice_is_fixed_whatever_the_file_order)
{
    /* Functions before untyped, global before weak, then the smaller name: gamma. */
    TestSym syms[REF_N];
    memcpy(syms, ref_syms, sizeof(syms));
    for (unsigned round = 0; round < 8; round++) {
        /* A different order of the four each round (rotate, then reverse on odd rounds). */
        TestSym four[4];
        for (unsigned i = 0; i < 4; i++) {
            four[i] = ref_syms[4 + (i + round) % 4];
        }
        for (unsigned i = 0; i < 4; i++) {
            syms[4 + i] = four[round & 1 ? 3 - i : i];
        }
        build_elf(&img, syms, REF_N);
        Symbols *s = load_ok(fx_write_file("order.elf", img.bytes, img.len));
        expect_sym(s, 0x80004000, "gamma", 0);
        expect_sym(s, 0x8000400f, "gamma", 0xf);
        expect_none(s, 0x80004010);                /* gamma's size bounds the address */
        symbols_free(s);
    }
}

Test(symbols, elf_mapping_symbols_locals_and_undefined_are_left_out)
{
    Symbols *s = load_ref();
    static const char *const out[] = { "$xrv64i2p1_m2p0", "$d", ".Ltmp0", "a_section",
                                       "a_file.c", "tls_var", "undefined_func", "ABS_CONST",
                                       "zero_value", "" };
    for (unsigned i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
        cr_assert_not(symbols_find(s, out[i], NULL), "%s kept", out[i]);
    }
    expect_sym(s, 0x80001010, "func_a", 0x10);     /* not .Ltmp0 */
    expect_none(s, 0x80007000);                    /* not ABS_CONST */
    expect_none(s, 0x80008000);                    /* the nameless function */
    symbols_free(s);
}

Test(symbols, find_returns_the_best_ranked_then_lowest_address)
{
    Symbols *s = load_ref();
    uint64_t addr = 0;
    cr_assert(symbols_find(s, "func_b", &addr));
    cr_assert_eq(addr, 0x80001200);
    cr_assert(symbols_find(s, "helper", &addr));   /* two locals: the lower address */
    cr_assert_eq(addr, 0x80005000);
    cr_assert(symbols_find(s, "dup", &addr));      /* global before local */
    cr_assert_eq(addr, 0x80006100);
    cr_assert(symbols_find(s, "alpha", &addr));    /* a name hidden by gamma is still found */
    cr_assert_eq(addr, 0x80004000);
    cr_assert(symbols_find(s, "_end", NULL));
    cr_assert_not(symbols_find(s, "func", &addr));
    cr_assert_not(symbols_find(s, "zzz", &addr));
    cr_assert_not(symbols_find(NULL, "func_a", &addr));
    symbols_free(s);
}

Test(symbols, format_without_table_or_room)
{
    char buf[8];
    cr_assert_eq(symbols_format(NULL, 0x1234, buf, sizeof(buf)), 6);
    cr_assert_str_eq(buf, "0x1234");
    cr_assert_not(symbols_lookup(NULL, 0x1234, NULL, NULL));
    cr_assert_eq(symbols_count(NULL), 0);
    symbols_free(NULL);

    Symbols *s = load_ref();
    cr_assert_eq(symbols_format(s, 0x80001010, NULL, 0), (int)strlen("func_a+0x10"));
    cr_assert_eq(symbols_format(s, 0x80001010, buf, sizeof(buf)), (int)strlen("func_a+0x10"));
    cr_assert_str_eq(buf, "func_a+");              /* cut as snprintf cuts */
    cr_assert(symbols_lookup(s, 0x80001010, NULL, NULL));
    symbols_free(s);
}

/* ---- System.map --------------------------------------------------------------------------- */

static const char sysmap[] =
    "0000000000000200 A PECOFF_FILE_ALIGNMENT\n"
    "ffffffff80000000 A __efistub__start\n"
    "ffffffff80002000 T _stext\n"
    "ffffffff80002100 t local_helper\n"
    "ffffffff80002180 W weak_fn\r\n"
    "\n"
    "this line is not a symbol\n"
    "ffffffff80002200 T $x\n"
    "                 U undefined_sym\n"
    "ffffffff80003000 t b_local\n"
    "ffffffff80003000 D data_sym\n"
    "ffffffff80003000 T z_global\n"
    "ffffffff80004000 r rodata_sym\n"
    "ffffffff80005000 b bss_sym\t[some_module]\n"
    "ffffffff80006000 B __bss_stop";                /* no newline at the end */

Test(symbols, system_map_next_symbol_bounds_each_one)
{
    Symbols *s = load_ok(write_text("System.map", sysmap));
    cr_assert_eq(symbols_count(s), 9);
    expect_none(s, 0x200);                          /* absolute symbols are not addresses */
    expect_none(s, 0xffffffff80001fff);
    expect_sym(s, 0xffffffff80002000, "_stext", 0);
    expect_sym(s, 0xffffffff800020ff, "_stext", 0xff);
    expect_sym(s, 0xffffffff80002100, "local_helper", 0);
    expect_sym(s, 0xffffffff80002180, "weak_fn", 0);    /* CRLF line */
    expect_sym(s, 0xffffffff80002200, "weak_fn", 0x80); /* "$x" left out */
    expect_sym(s, 0xffffffff80004010, "rodata_sym", 0x10);
    expect_sym(s, 0xffffffff80005000, "bss_sym", 0);    /* kallsyms' [module] */
    expect_sym(s, 0xffffffff80006000, "__bss_stop", 0);
    expect_none(s, 0xffffffff80006001);             /* the last one: only itself */
    cr_assert_str_eq(fmt(s, 0xffffffff80002004), "_stext+0x4");
    uint64_t addr;
    cr_assert(symbols_find(s, "bss_sym", &addr));
    cr_assert_eq(addr, 0xffffffff80005000);
    cr_assert_not(symbols_find(s, "undefined_sym", &addr));
    cr_assert_not(symbols_find(s, "PECOFF_FILE_ALIGNMENT", &addr));
    symbols_free(s);
}

Test(symbols, system_map_same_address_choice)
{
    Symbols *s = load_ok(write_text("System.map", sysmap));
    expect_sym(s, 0xffffffff80003000, "z_global", 0);   /* T before t before D */
    expect_sym(s, 0xffffffff80003abc, "z_global", 0xabc);
    uint64_t addr;
    cr_assert(symbols_find(s, "b_local", &addr));
    cr_assert(symbols_find(s, "data_sym", &addr));
    symbols_free(s);

    const char *swapped = write_text("swapped.map",
                                     "ffffffff80003000 D data_sym\n"
                                     "ffffffff80003000 T z_global\n"
                                     "ffffffff80003000 T a_global\n"
                                     "ffffffff80003000 t b_local\n");
    s = load_ok(swapped);
    expect_sym(s, 0xffffffff80003000, "a_global", 0);
    symbols_free(s);
}

/* ---- errors ------------------------------------------------------------------------------- */

/* Loading path fails with one line naming the path and containing what (if not NULL). */
static void expect_load_error(const char *path, const char *what)
{
    Symbols *s = (Symbols *)&s;                     /* anything but NULL */
    memset(err, 0, sizeof(err));
    cr_assert_eq(symbols_load(&s, path, err, sizeof(err)), -1, "%s loaded", path);
    cr_assert_null(s);
    cr_assert_not_null(strstr(err, path), "message does not name the path: %s", err);
    cr_assert_null(strchr(err, '\n'), "message is not one line: %s", err);
    if (what) {
        cr_assert_not_null(strstr(err, what), "message lacks \"%s\": %s", what, err);
    }
}

Test(symbols, error_missing_file)
{
    expect_load_error(fx_tmp_path("no-such-file.elf"), "No such file");
}

Test(symbols, error_directory)
{
    expect_load_error(fx_tmpdir(), "not a regular file");
}

Test(symbols, error_truncated_elf_header)
{
    build_elf(&img, ref_syms, REF_N);
    expect_load_error(fx_write_file("trunc.elf", img.bytes, 40), "truncated ELF");
}

Test(symbols, error_truncated_section_headers)
{
    build_elf(&img, ref_syms, REF_N);
    expect_load_error(fx_write_file("trunc.elf", img.bytes, img.shoff + 100),
                      "section header table");
}

Test(symbols, error_symtab_offset_beyond_the_file)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Shdr sh = get_shdr(&img, SEC_SYMTAB);
    sh.sh_offset = 0x100000;
    put_shdr(&img, SEC_SYMTAB, &sh);
    expect_load_error(fx_write_file("symoff.elf", img.bytes, img.len), "offset 0x100000");
    cr_assert_not_null(strstr(err, "section 2"), "%s", err);
}

Test(symbols, error_symtab_size_wraps_around)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Shdr sh = get_shdr(&img, SEC_SYMTAB);
    sh.sh_size = UINT64_MAX - 8;
    put_shdr(&img, SEC_SYMTAB, &sh);
    expect_load_error(fx_write_file("symsize.elf", img.bytes, img.len), "runs past the end");
}

Test(symbols, error_strtab_offset_beyond_the_file)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Shdr sh = get_shdr(&img, SEC_STRTAB);
    sh.sh_offset = img.len - 2;
    put_shdr(&img, SEC_STRTAB, &sh);
    expect_load_error(fx_write_file("stroff.elf", img.bytes, img.len), "section 3");
}

Test(symbols, error_section_header_table_beyond_the_file)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Ehdr eh;
    memcpy(&eh, img.bytes, sizeof(eh));
    eh.e_shoff = UINT64_MAX - 0x20;
    memcpy(img.bytes, &eh, sizeof(eh));
    expect_load_error(fx_write_file("shoff.elf", img.bytes, img.len), "section header table");

    build_elf(&img, ref_syms, REF_N);
    memcpy(&eh, img.bytes, sizeof(eh));
    eh.e_shnum = 0xfff0;
    memcpy(img.bytes, &eh, sizeof(eh));
    expect_load_error(fx_write_file("shnum.elf", img.bytes, img.len), "runs past the end");
}

Test(symbols, error_strtab_index_out_of_range)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Sym sym = get_sym(&img, 1);               /* func_a */
    sym.st_name = 0xffff;
    put_sym(&img, 1, &sym);
    expect_load_error(fx_write_file("stname.elf", img.bytes, img.len), "name offset 0xffff");
}

Test(symbols, error_symtab_link_not_a_string_table)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Shdr sh = get_shdr(&img, SEC_SYMTAB);
    sh.sh_link = 99;
    put_shdr(&img, SEC_SYMTAB, &sh);
    expect_load_error(fx_write_file("link.elf", img.bytes, img.len), "string table index 99");

    sh.sh_link = SEC_TEXT;
    put_shdr(&img, SEC_SYMTAB, &sh);
    expect_load_error(fx_write_file("link.elf", img.bytes, img.len), "not SHT_STRTAB");
}

Test(symbols, error_name_not_terminated_in_strtab)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Shdr sh = get_shdr(&img, SEC_STRTAB);
    sh.sh_size = 3;                                 /* cuts "func_a" */
    put_shdr(&img, SEC_STRTAB, &sh);
    expect_load_error(fx_write_file("unterminated.elf", img.bytes, img.len), "string table");
}

Test(symbols, error_elf32_and_big_endian)
{
    build_elf(&img, ref_syms, REF_N);
    img.bytes[EI_CLASS] = ELFCLASS32;
    expect_load_error(fx_write_file("elf32.elf", img.bytes, img.len), "not an ELF64");
    build_elf(&img, ref_syms, REF_N);
    img.bytes[EI_DATA] = ELFDATA2MSB;
    expect_load_error(fx_write_file("be.elf", img.bytes, img.len), "little-endian");
}

Test(symbols, error_stripped_elf)
{
    build_elf(&img, ref_syms, REF_N);
    Elf64_Shdr sh = get_shdr(&img, SEC_SYMTAB);
    sh.sh_type = SHT_PROGBITS;
    put_shdr(&img, SEC_SYMTAB, &sh);
    expect_load_error(fx_write_file("stripped.elf", img.bytes, img.len), "no .symtab");
}

Test(symbols, error_elf_without_usable_symbols)
{
    static const TestSym only_skipped[] = {
        { "$x", 0x80001000, 0, STT_NOTYPE, STB_LOCAL, TEXT },
        { "undefined_func", 0, 0, STT_FUNC, STB_GLOBAL, SHN_UNDEF },
    };
    build_elf(&img, only_skipped, 2);
    expect_load_error(fx_write_file("none.elf", img.bytes, img.len), "no function or object");
}

Test(symbols, error_empty_system_map)
{
    expect_load_error(fx_write_file("empty.map", "", 0), "empty file");
    expect_load_error(write_text("blank.map", "\n\n  \n"), "neither ELF nor a System.map");
}

Test(symbols, error_system_map_without_addresses)
{
    expect_load_error(write_text("abs.map", "0000000000000200 A PECOFF_FILE_ALIGNMENT\n"
                                            "                 U undefined_sym\n"
                                            "0000000000000000 T zero\n"),
                      "no symbols");
}

Test(symbols, error_non_elf_garbage)
{
    uint8_t junk[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(junk); i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (uint8_t)(x >> 16);
    }
    expect_load_error(fx_write_file("junk.bin", junk, sizeof(junk)), "neither ELF nor");
    expect_load_error(write_text("words.txt", "hello world\nffffffff8000 T\nzzzz T name\n"),
                      "line 1");
    expect_load_error(fx_write_file("short.bin", "\x7f" "EL", 3), "neither ELF nor");
}

/* Every prefix of a good ELF, and the good ELF with any one byte replaced by 0xff or 0x80:
 * each load either succeeds or fails with a message, and lookups on a table that loaded stay
 * safe. (Run the suite under tests/asan.sh to check the reads too.) */
Test(symbols, hostile_elf_truncations_and_overwrites_never_crash)
{
    ElfImage good;
    build_elf(&good, ref_syms, REF_N);
    for (size_t len = 0; len < good.len; len++) {
        const char *path = fx_write_file("prefix.elf", good.bytes, len);
        Symbols *s = NULL;
        cr_assert_eq(symbols_load(&s, path, err, sizeof(err)), -1, "prefix %zu loaded", len);
        cr_assert_not_null(strstr(err, path), "prefix %zu: %s", len, err);
    }
    static const uint8_t values[] = { 0xff, 0x80 };
    for (size_t at = 0; at < good.len; at++) {
        for (unsigned v = 0; v < 2; v++) {
            img = good;
            img.bytes[at] = values[v];
            const char *path = fx_write_file("flip.elf", img.bytes, img.len);
            Symbols *s = NULL;
            err[0] = '\0';
            if (symbols_load(&s, path, err, sizeof(err)) == 0) {
                char buf[64];
                for (uint64_t a = 0x80000f00; a < 0x80011000; a += 0x80) {
                    symbols_format(s, a, buf, sizeof(buf));
                }
                symbols_free(s);
            } else {
                cr_assert_null(s);
                cr_assert_not_null(strstr(err, path), "byte %zu = 0x%x: %s", at, values[v], err);
            }
        }
    }
}

/* ---- real files, when present ------------------------------------------------------------- */

/* The tlbtorture guest next to this test binary (build/tests/test_symbols ->
 * build/guests/tlbtorture.elf), or under the current directory. */
static bool find_tlbtorture(char *path, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(dirname(exe));
        snprintf(path, len, "%s/guests/tlbtorture.elf", dir);
        if (access(path, R_OK) == 0) {
            return true;
        }
    }
    static const char *const rel[] = { "build/guests/tlbtorture.elf", "guests/tlbtorture.elf" };
    for (unsigned i = 0; i < 2; i++) {
        if (access(rel[i], R_OK) == 0) {
            snprintf(path, len, "%s", rel[i]);
            return true;
        }
    }
    return false;
}

/* name resolves, at its own address, to a symbol at that address with offset 0, and 4 bytes
 * further to name+0x4 when name is the one chosen there. */
static void check_resolves_to_itself(const Symbols *s, const char *name)
{
    uint64_t addr, again;
    cr_assert(symbols_find(s, name, &addr), "%s not found", name);
    const char *got;
    uint64_t off;
    cr_assert(symbols_lookup(s, addr, &got, &off), "%s at 0x%" PRIx64 " not resolved", name,
              addr);
    cr_assert_eq(off, 0, "%s: offset 0x%" PRIx64, name, off);
    cr_assert(symbols_find(s, got, &again));
    cr_assert_eq(again, addr, "%s resolved to %s at 0x%" PRIx64, name, got, again);
}

Test(symbols, real_tlbtorture_elf)
{
    char path[PATH_MAX + 32];
    if (!find_tlbtorture(path, sizeof(path))) {
        cr_skip_test("build/guests/tlbtorture.elf not built");
    }
    Symbols *s = load_ok(path);
    cr_assert_gt(symbols_count(s), 10);
    const char *name = symbols_find(s, "main", NULL) ? "main" : "_start";
    check_resolves_to_itself(s, name);
    uint64_t addr;
    cr_assert(symbols_find(s, name, &addr));
    char buf[128];
    symbols_format(s, addr, buf, sizeof(buf));
    cr_assert_eq(strchr(buf, '+'), NULL, "%s", buf);
    symbols_free(s);
}

/* A file of the kernel bench/stressng/build.sh builds, in path; false when it is not there. */
static bool stressng_kernel_file(const char *name, char *path, size_t len)
{
    const char *home = getenv("HOME");
    if (!home) {
        return false;
    }
    snprintf(path, len, "%s/.cache/tlbstorm-stressng/linux/build/%s", home, name);
    return access(path, R_OK) == 0;
}

Test(symbols, real_linux_system_map)
{
    char path[PATH_MAX];
    if (!stressng_kernel_file("System.map", path, sizeof(path))) {
        cr_skip_test("no stress-ng kernel System.map (bench/stressng/build.sh)");
    }
    Symbols *s = load_ok(path);
    cr_assert_gt(symbols_count(s), 1000);
    check_resolves_to_itself(s, "start_kernel");
    uint64_t addr;
    cr_assert(symbols_find(s, "start_kernel", &addr));
    cr_assert_str_eq(fmt(s, addr + 4), "start_kernel+0x4");
    symbols_free(s);
}

/* The kernel's vmlinux and its System.map agree on where start_kernel is. */
Test(symbols, real_linux_vmlinux_agrees_with_system_map)
{
    char map_path[PATH_MAX], elf_path[PATH_MAX];
    if (!stressng_kernel_file("System.map", map_path, sizeof(map_path)) ||
        !stressng_kernel_file("vmlinux", elf_path, sizeof(elf_path))) {
        cr_skip_test("no stress-ng kernel vmlinux and System.map (bench/stressng/build.sh)");
    }
    Symbols *map = load_ok(map_path);
    Symbols *elf = load_ok(elf_path);
    cr_assert_gt(symbols_count(elf), 1000);
    uint64_t in_map, in_elf;
    cr_assert(symbols_find(map, "start_kernel", &in_map));
    cr_assert(symbols_find(elf, "start_kernel", &in_elf));
    cr_assert_eq(in_map, in_elf);
    check_resolves_to_itself(elf, "start_kernel");
    char a[128], b[128];
    symbols_format(map, in_map + 0x10, a, sizeof(a));
    symbols_format(elf, in_elf + 0x10, b, sizeof(b));
    cr_assert_str_eq(a, b);
    symbols_free(elf);
    symbols_free(map);
}
