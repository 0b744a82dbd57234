/* Criterion tests for hw/loader: good ELF and raw images load; every malformed image is refused
 * with its message and leaves guest RAM byte-for-byte untouched. Single-threaded test process.
 * No locks. */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_tmpdir.h"
#include "hw/loader.h"

/* ---- fixture: a temp dir and 64 KiB of "RAM" at 0x80000000 filled with a pattern ----- */

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x10000ULL
#define PATTERN 0xa5

static uint8_t *ram_host;
static struct guest_ram ram;
static Error *load_err;

/* The last loader message, "" when none was stored. */
static const char *errbuf_text(void)
{
    return load_err ? error_get_pretty(load_err) : "";
}

static void clear_error(void)
{
    error_free(load_err);
    load_err = NULL;
}
static struct loaded_image img_out;

static void setup(void)
{
    fx_tmpdir_create("loader");
    ram_host = malloc(RAM_SIZE);
    cr_assert_not_null(ram_host);
    memset(ram_host, PATTERN, RAM_SIZE);
    ram = (struct guest_ram){ .host = ram_host, .base = RAM_BASE, .size = RAM_SIZE };
    clear_error();
    memset(&img_out, 0, sizeof(img_out));
}

static void teardown(void)
{
    fx_tmpdir_remove();
    free(ram_host);
    clear_error();
}

TestSuite(loader, .init = setup, .fini = teardown);

static bool ram_untouched(void)
{
    for (uint64_t i = 0; i < RAM_SIZE; i++)
        if (ram_host[i] != PATTERN)
            return false;
    return true;
}

static uint8_t *guest(uint64_t pa)
{
    return ram_host + (pa - RAM_BASE);
}

/* ---- the reference ELF --------------------------------------------------------------- */

/* Layout of the file:
 *   0x000 ELF header            0x300 .symtab: null, tohost, fromhost, _start, undefined
 *   0x040 3 program headers     0x380 .strtab
 *   0x100 text (0x40 bytes)     0x400 section headers: null, .symtab, .strtab
 *   0x200 data (0x20 of 0x100)  0x4c0 end */
#define TEXT_PA 0x80001000ULL
#define DATA_PA 0x80002000ULL
#define TEXT_LEN 0x40
#define DATA_FILESZ 0x20
#define DATA_MEMSZ 0x100
#define TOHOST_VA (DATA_PA + 0x40)
#define FROMHOST_VA (DATA_PA + 0x48)
#define IMG_LEN 0x4c0

static _Alignas(8) uint8_t elf[0x1000];
static size_t elf_len;

#define EH ((Elf64_Ehdr *)elf)
#define PH ((Elf64_Phdr *)(elf + 0x40))
#define SH ((Elf64_Shdr *)(elf + 0x400))
#define SYM ((Elf64_Sym *)(elf + 0x300))

static const char strtab[] = "\0tohost\0fromhost\0_start\0undef";
enum { STR_TOHOST = 1, STR_FROMHOST = 8, STR_START = 17, STR_UNDEF = 24 };

static void make_elf(void)
{
    memset(elf, 0, sizeof(elf));
    elf_len = IMG_LEN;

    memcpy(EH->e_ident, ELFMAG, SELFMAG);
    EH->e_ident[EI_CLASS] = ELFCLASS64;
    EH->e_ident[EI_DATA] = ELFDATA2LSB;
    EH->e_ident[EI_VERSION] = EV_CURRENT;
    EH->e_type = ET_EXEC;
    EH->e_machine = EM_RISCV;
    EH->e_version = EV_CURRENT;
    EH->e_entry = TEXT_PA + 8;
    EH->e_phoff = 0x40;
    EH->e_shoff = 0x400;
    EH->e_ehsize = sizeof(Elf64_Ehdr);
    EH->e_phentsize = sizeof(Elf64_Phdr);
    EH->e_phnum = 3;
    EH->e_shentsize = sizeof(Elf64_Shdr);
    EH->e_shnum = 3;

    PH[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x100,
                          .p_vaddr = TEXT_PA, .p_paddr = TEXT_PA, .p_filesz = TEXT_LEN,
                          .p_memsz = TEXT_LEN, .p_align = 0x1000 };
    PH[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x200,
                          .p_vaddr = DATA_PA, .p_paddr = DATA_PA, .p_filesz = DATA_FILESZ,
                          .p_memsz = DATA_MEMSZ, .p_align = 0x1000 };
    PH[2] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x100, .p_vaddr = 0x1234,
                          .p_paddr = 0x1234, .p_filesz = 8, .p_memsz = 8 };
    memset(elf + 0x100, 0x11, TEXT_LEN);
    memset(elf + 0x200, 0x22, DATA_FILESZ);

    SYM[1] = (Elf64_Sym){ .st_name = STR_TOHOST, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
                          .st_shndx = 5, .st_value = TOHOST_VA, .st_size = 8 };
    SYM[2] = (Elf64_Sym){ .st_name = STR_FROMHOST,
                          .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), .st_shndx = 5,
                          .st_value = FROMHOST_VA, .st_size = 8 };
    SYM[3] = (Elf64_Sym){ .st_name = STR_START, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
                          .st_shndx = 4, .st_value = TEXT_PA + 8 };
    SYM[4] = (Elf64_Sym){ .st_name = STR_UNDEF, .st_shndx = SHN_UNDEF, .st_value = 0x42 };
    memcpy(elf + 0x380, strtab, sizeof(strtab));

    SH[1] = (Elf64_Shdr){ .sh_type = SHT_SYMTAB, .sh_offset = 0x300,
                          .sh_size = 5 * sizeof(Elf64_Sym), .sh_link = 2, .sh_info = 1,
                          .sh_entsize = sizeof(Elf64_Sym), .sh_addralign = 8 };
    SH[2] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = 0x380, .sh_size = sizeof(strtab),
                          .sh_addralign = 1 };
}

static const char *write_elf(void)
{
    return fx_write_file("x.elf", elf, elf_len);
}

/* The reference ELF loaded: checks contents, bss and untouched bytes around it. */
static void check_good_load(uint64_t want_entry)
{
    cr_assert_eq(img_out.entry, want_entry, "entry 0x%llx", (unsigned long long)img_out.entry);
    cr_assert(img_out.is_elf);
    cr_assert_eq(img_out.low, TEXT_PA);
    cr_assert_eq(img_out.high, DATA_PA + DATA_MEMSZ);
    for (unsigned i = 0; i < TEXT_LEN; i++)
        cr_assert_eq(*guest(TEXT_PA + i), 0x11);
    for (unsigned i = 0; i < DATA_FILESZ; i++)
        cr_assert_eq(*guest(DATA_PA + i), 0x22);
    for (unsigned i = DATA_FILESZ; i < DATA_MEMSZ; i++)
        cr_assert_eq(*guest(DATA_PA + i), 0, "bss byte %u not zeroed", i);
    cr_assert_eq(*guest(TEXT_PA - 1), PATTERN);
    cr_assert_eq(*guest(TEXT_PA + TEXT_LEN), PATTERN);
    cr_assert_eq(*guest(DATA_PA - 1), PATTERN);
    cr_assert_eq(*guest(DATA_PA + DATA_MEMSZ), PATTERN);
    cr_assert_eq(*guest(RAM_BASE), PATTERN);
    cr_assert_eq(*guest(RAM_BASE + RAM_SIZE - 1), PATTERN);
}

/* The image at `path` is refused by `fn` with `neg_errno` and "<path>: <msg>", RAM intact. */
#define EXPECT_FAIL(call, path, neg_errno, msg) do {                                     \
        clear_error();                                                                    \
        int r_ = (call);                                                                  \
        char want_[512];                                                                  \
        snprintf(want_, sizeof(want_), "%s: %s", (path), (msg));                          \
        cr_assert_str_eq(errbuf_text(), want_);                                           \
        cr_assert_eq(r_, (neg_errno), "returned %d (%s)", r_, strerror(-r_));             \
        cr_assert(ram_untouched(), "guest RAM was written");                              \
    } while (0)

/* The current elf[] is refused by both the ELF and the auto-detecting loader. */
static void expect_elf_error(int neg_errno, const char *msg)
{
    const char *path = write_elf();
    EXPECT_FAIL(loader_load_elf(path, &ram, &img_out, &load_err), path,
                neg_errno, msg);
    EXPECT_FAIL(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err),
                path, neg_errno, msg);
}

/* ---- good ELF images ------------------------------------------------------------------ */

Test(loader, elf_two_segments)
{
    make_elf();
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_str_empty(errbuf_text());
    check_good_load(TEXT_PA + 8);
    cr_assert(img_out.has_tohost);
    cr_assert_eq(img_out.tohost, TOHOST_VA);
    cr_assert_eq(img_out.fromhost, FROMHOST_VA);
}

Test(loader, image_detects_elf)
{
    make_elf();
    const char *path = write_elf();
    cr_assert_eq(loader_load_image(path, &ram, RAM_BASE + 0x8000, &img_out, &load_err), 0, "%s", errbuf_text());
    check_good_load(TEXT_PA + 8);
    cr_assert_eq(*guest(RAM_BASE + 0x8000), PATTERN);   /* not also loaded raw */
}

Test(loader, elf_dyn_accepted)
{
    make_elf();
    EH->e_type = ET_DYN;
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    check_good_load(TEXT_PA + 8);
}

Test(loader, elf_without_section_table)
{
    make_elf();
    EH->e_shoff = 0;
    EH->e_shnum = 0;
    elf_len = 0x300;
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    check_good_load(TEXT_PA + 8);
    cr_assert_not(img_out.has_tohost);
    cr_assert_eq(img_out.tohost, 0);
    cr_assert_eq(img_out.fromhost, 0);
}

Test(loader, elf_stripped_symtab)
{
    make_elf();
    SH[1].sh_type = SHT_PROGBITS;      /* sections, but no SHT_SYMTAB */
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_not(img_out.has_tohost);
    cr_assert_eq(img_out.fromhost, 0);
}

Test(loader, elf_tohost_without_fromhost)
{
    make_elf();
    SYM[2].st_name = STR_START;        /* fromhost renamed */
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert(img_out.has_tohost);
    cr_assert_eq(img_out.tohost, TOHOST_VA);
    cr_assert_eq(img_out.fromhost, 0);
}

Test(loader, elf_undefined_tohost_ignored)
{
    make_elf();
    SYM[1].st_shndx = SHN_UNDEF;
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_not(img_out.has_tohost);
    cr_assert_eq(img_out.tohost, 0);
    cr_assert_eq(img_out.fromhost, FROMHOST_VA);
}

Test(loader, elf_extended_section_numbering)
{
    make_elf();
    EH->e_shnum = 0;
    SH[0].sh_size = 3;                 /* the real count lives in section 0 */
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert(img_out.has_tohost);
    cr_assert_eq(img_out.tohost, TOHOST_VA);
}

Test(loader, elf_vaddr_differs_from_paddr)
{
    const uint64_t kva = 0xffffffff80000000ULL;    /* linked high, loaded low */
    make_elf();
    PH[0].p_vaddr = kva + 0x1000;
    PH[1].p_vaddr = kva + 0x2000;
    EH->e_entry = kva + 0x1000 + 8;
    SYM[1].st_value = kva + 0x2040;
    SYM[2].st_value = kva + 0x2048;
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    check_good_load(TEXT_PA + 8);
    cr_assert_eq(img_out.tohost, TOHOST_VA);
    cr_assert_eq(img_out.fromhost, FROMHOST_VA);
}

Test(loader, elf_entry_in_bss_translated)
{
    make_elf();
    PH[1].p_vaddr = 0x2000;            /* only the data segment is linked elsewhere */
    EH->e_entry = 0x2000 + DATA_MEMSZ - 4;
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_eq(img_out.entry, DATA_PA + DATA_MEMSZ - 4);
}

Test(loader, elf_physical_entry_kept)
{
    make_elf();
    PH[0].p_vaddr = 0x1000;
    EH->e_entry = TEXT_PA + 4;         /* in no segment's virtual range: used as is */
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_eq(img_out.entry, TEXT_PA + 4);
}

Test(loader, elf_empty_pt_load_skipped)
{
    make_elf();
    PH[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_paddr = 0x1000, .p_vaddr = 0x1000 };
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    check_good_load(TEXT_PA + 8);
}

Test(loader, elf_touching_segments_and_ram_edges)
{
    make_elf();
    PH[0].p_paddr = PH[0].p_vaddr = RAM_BASE;                       /* first byte of RAM */
    PH[0].p_memsz = 0x2000;
    PH[1].p_paddr = PH[1].p_vaddr = RAM_BASE + 0x2000;              /* touches segment 0 */
    PH[1].p_memsz = RAM_SIZE - 0x2000;                              /* to the last byte */
    EH->e_entry = RAM_BASE;
    const char *path = write_elf();
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_eq(img_out.low, RAM_BASE);
    cr_assert_eq(img_out.high, RAM_BASE + RAM_SIZE);
    cr_assert_eq(*guest(RAM_BASE + RAM_SIZE - 1), 0);
}

Test(loader, elf_in_large_sparse_file)
{
    /* The segments sit at the start of a 4 GiB file: only the needed bytes are read. */
    make_elf();
    const char *path = write_elf();
    cr_assert_eq(truncate(path, 4LL << 30), 0);
    cr_assert_eq(loader_load_elf(path, &ram, &img_out, &load_err), 0, "%s", errbuf_text());
    check_good_load(TEXT_PA + 8);
}

/* ---- malformed ELF images: each refused, RAM untouched --------------------------------- */

Test(loader, elf_bad_magic)
{
    make_elf();
    EH->e_ident[EI_MAG1] = 'X';
    const char *path = write_elf();
    EXPECT_FAIL(loader_load_elf(path, &ram, &img_out, &load_err), path, -ENOEXEC,
                "not an ELF file (bad magic)");
    path = fx_write_file("empty.elf", "", 0);
    EXPECT_FAIL(loader_load_elf(path, &ram, &img_out, &load_err), path, -ENOEXEC,
                "not an ELF file (bad magic)");
}

Test(loader, elf_truncated_header)
{
    make_elf();
    elf_len = 40;
    expect_elf_error(-ENOEXEC, "truncated ELF header");
    elf_len = 4;
    expect_elf_error(-ENOEXEC, "truncated ELF header");
    elf_len = 63;
    expect_elf_error(-ENOEXEC, "truncated ELF header");
}

Test(loader, elf_class32)
{
    make_elf();
    EH->e_ident[EI_CLASS] = ELFCLASS32;
    expect_elf_error(-ENOEXEC, "not a 64-bit ELF (EI_CLASS 1)");
}

Test(loader, elf_big_endian)
{
    make_elf();
    EH->e_ident[EI_DATA] = ELFDATA2MSB;
    expect_elf_error(-ENOEXEC, "not a little-endian ELF (EI_DATA 2)");
}

Test(loader, elf_bad_version)
{
    make_elf();
    EH->e_ident[EI_VERSION] = 0;
    expect_elf_error(-ENOEXEC, "unsupported ELF version 0");
}

Test(loader, elf_wrong_machine)
{
    make_elf();
    EH->e_machine = EM_X86_64;
    expect_elf_error(-ENOEXEC, "not a RISC-V ELF (e_machine 62)");
}

Test(loader, elf_wrong_type)
{
    make_elf();
    EH->e_type = ET_REL;
    expect_elf_error(-ENOEXEC, "not an executable ELF (e_type 1)");
    EH->e_type = ET_CORE;
    expect_elf_error(-ENOEXEC, "not an executable ELF (e_type 4)");
}

Test(loader, elf_bad_header_sizes)
{
    make_elf();
    EH->e_ehsize = 52;
    expect_elf_error(-ENOEXEC, "bad ELF header size 52 (expected 64)");
    make_elf();
    EH->e_phentsize = 32;
    expect_elf_error(-ENOEXEC, "bad program header size 32 (expected 56)");
    make_elf();
    EH->e_shentsize = 40;
    expect_elf_error(-ENOEXEC, "bad section header size 40 (expected 64)");
}

Test(loader, elf_no_program_headers)
{
    make_elf();
    EH->e_phnum = 0;
    expect_elf_error(-ENOEXEC, "no program headers");
    EH->e_phnum = PN_XNUM;
    expect_elf_error(-ENOEXEC, "extended program header numbering is not supported");
}

Test(loader, elf_phdrs_outside_file)
{
    make_elf();
    EH->e_phoff = IMG_LEN - 100;
    expect_elf_error(-ENOEXEC, "program header table at 0x45c (3 entries) lies outside the "
                               "file (1216 bytes)");
    EH->e_phoff = UINT64_MAX - 8;
    expect_elf_error(-ENOEXEC, "program header table at 0xfffffffffffffff7 (3 entries) lies "
                               "outside the file (1216 bytes)");
}

Test(loader, elf_filesz_exceeds_memsz)
{
    make_elf();
    PH[1].p_filesz = DATA_MEMSZ + 1;
    expect_elf_error(-ENOEXEC, "segment 1: p_filesz 0x101 exceeds p_memsz 0x100");
}

Test(loader, elf_segment_outside_file)
{
    make_elf();
    PH[0].p_offset = IMG_LEN - 4;
    expect_elf_error(-ENOEXEC, "segment 0: file range at 0x4bc (0x40 bytes) lies outside the "
                               "file (1216 bytes)");
    make_elf();
    PH[1].p_offset = UINT64_MAX - 0x10;
    expect_elf_error(-ENOEXEC, "segment 1: file range at 0xffffffffffffffef (0x20 bytes) lies "
                               "outside the file (1216 bytes)");
}

Test(loader, elf_truncated_in_segment)
{
    make_elf();
    elf_len = 0x210;                   /* cut inside the data segment */
    expect_elf_error(-ENOEXEC, "segment 1: file range at 0x200 (0x20 bytes) lies outside the "
                               "file (528 bytes)");
}

Test(loader, elf_address_overflow)
{
    make_elf();
    PH[1].p_paddr = UINT64_MAX - 0x10;
    expect_elf_error(-ENOEXEC, "segment 1: address range overflows (p_paddr 0xffffffffffffffef, "
                               "p_vaddr 0x80002000, p_memsz 0x100)");
    make_elf();
    PH[0].p_vaddr = UINT64_MAX - 0x10;
    expect_elf_error(-ENOEXEC, "segment 0: address range overflows (p_paddr 0x80001000, "
                               "p_vaddr 0xffffffffffffffef, p_memsz 0x40)");
}

Test(loader, elf_segment_outside_ram)
{
    make_elf();
    PH[1].p_paddr = 0x90000000;
    expect_elf_error(-EFBIG, "segment 1 [0x90000000, 0x90000100) lies outside RAM "
                             "[0x80000000, 0x80010000)");
    make_elf();
    PH[0].p_paddr = RAM_BASE - 0x10;   /* starts below RAM */
    expect_elf_error(-EFBIG, "segment 0 [0x7ffffff0, 0x80000030) lies outside RAM "
                             "[0x80000000, 0x80010000)");
    make_elf();
    PH[1].p_paddr = RAM_BASE + RAM_SIZE - 0x80;   /* straddles the end */
    expect_elf_error(-EFBIG, "segment 1 [0x8000ff80, 0x80010080) lies outside RAM "
                             "[0x80000000, 0x80010000)");
}

Test(loader, elf_overlapping_segments)
{
    make_elf();
    PH[1].p_paddr = TEXT_PA + 0x20;
    expect_elf_error(-ENOEXEC, "segments 0 [0x80001000, 0x80001040) and 1 [0x80001020, "
                               "0x80001120) overlap");
    make_elf();
    PH[1].p_paddr = TEXT_PA - 0x80;    /* 1 comes first in memory, still reported as 0, 1 */
    expect_elf_error(-ENOEXEC, "segments 0 [0x80001000, 0x80001040) and 1 [0x80000f80, "
                               "0x80001080) overlap");
    make_elf();
    PH[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_paddr = TEXT_PA + 0x10, .p_memsz = 8 };
    expect_elf_error(-ENOEXEC, "segments 0 [0x80001000, 0x80001040) and 2 [0x80001010, "
                               "0x80001018) overlap");
}

Test(loader, elf_overlap_not_adjacent_in_order)
{
    /* [A ......... ) contains B and C; sorted neighbours still catch A/B */
    make_elf();
    PH[0].p_memsz = 0x2000;
    PH[0].p_filesz = TEXT_LEN;
    PH[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_paddr = TEXT_PA + 0x1800, .p_memsz = 8 };
    PH[1].p_paddr = TEXT_PA + 0x1000;
    expect_elf_error(-ENOEXEC, "segments 0 [0x80001000, 0x80003000) and 1 [0x80002000, "
                               "0x80002100) overlap");
}

Test(loader, elf_no_loadable_segments)
{
    make_elf();
    PH[0].p_type = PT_NOTE;
    PH[1].p_type = PT_GNU_STACK;
    expect_elf_error(-ENOEXEC, "no loadable segments");
    make_elf();
    PH[0].p_memsz = PH[0].p_filesz = 0;
    PH[1].p_memsz = PH[1].p_filesz = 0;
    expect_elf_error(-ENOEXEC, "no loadable segments");
}

Test(loader, elf_interp)
{
    make_elf();
    PH[2].p_type = PT_INTERP;
    expect_elf_error(-ENOEXEC, "needs a program interpreter (PT_INTERP): not a static "
                               "executable");
}

Test(loader, elf_entry_outside_ram)
{
    make_elf();
    EH->e_entry = 0x1000;
    expect_elf_error(-ENOEXEC, "entry point 0x1000 lies outside RAM [0x80000000, 0x80010000)");
}

Test(loader, elf_section_table_truncated)
{
    make_elf();
    elf_len = 0x400;                   /* file cut just before the section headers */
    expect_elf_error(-ENOEXEC, "section header table at 0x400 (3 entries) lies outside the "
                               "file (1024 bytes)");
    make_elf();
    EH->e_shnum = 60000;
    expect_elf_error(-ENOEXEC, "section header table at 0x400 (60000 entries) lies outside the "
                               "file (1216 bytes)");
    make_elf();
    EH->e_shnum = 0;                   /* extended count, but section 0 is past the end */
    EH->e_shoff = IMG_LEN;
    expect_elf_error(-ENOEXEC, "section header table at 0x4c0 lies outside the file "
                               "(1216 bytes)");
}

Test(loader, elf_bad_symtab)
{
    make_elf();
    SH[1].sh_entsize = 16;
    expect_elf_error(-ENOEXEC, "section 1: bad symbol table (sh_entsize 16, sh_size 120)");
    make_elf();
    SH[1].sh_size = 100;
    expect_elf_error(-ENOEXEC, "section 1: bad symbol table (sh_entsize 24, sh_size 100)");
    make_elf();
    SH[1].sh_offset = IMG_LEN - 24;
    expect_elf_error(-ENOEXEC, "section 1: symbol table lies outside the file (1216 bytes)");
}

Test(loader, elf_bad_strtab)
{
    make_elf();
    SH[1].sh_link = 7;
    expect_elf_error(-ENOEXEC, "section 1: symbol table links to section 7, which is not a "
                               "string table");
    make_elf();
    SH[1].sh_link = 1;
    expect_elf_error(-ENOEXEC, "section 1: symbol table links to section 1, which is not a "
                               "string table");
    make_elf();
    SH[2].sh_size = 0x1000;
    expect_elf_error(-ENOEXEC, "section 2: string table lies outside the file (1216 bytes)");
    make_elf();
    SH[2].sh_size = 5;                 /* "\0toho": not NUL-terminated */
    expect_elf_error(-ENOEXEC, "section 2: string table does not end in a NUL");
    make_elf();
    SYM[3].st_name = sizeof(strtab);
    expect_elf_error(-ENOEXEC, "symbol 3: name offset 0x1e lies outside the string table "
                               "(30 bytes)");
}

/* ---- raw images ----------------------------------------------------------------------- */

static const char *write_raw(const char *name, size_t len, uint8_t fill)
{
    uint8_t *buf = malloc(len ? len : 1);
    cr_assert_not_null(buf);
    memset(buf, fill, len);
    const char *path = fx_write_file(name, buf, len);
    free(buf);
    return path;
}

Test(loader, raw_loads)
{
    const char *path = write_raw("fw.bin", 0x1234, 0x5a);
    cr_assert_eq(loader_load_raw(path, &ram, RAM_BASE + 0x200, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_not(img_out.is_elf);
    cr_assert_not(img_out.has_tohost);
    cr_assert_eq(img_out.entry, RAM_BASE + 0x200);
    cr_assert_eq(img_out.low, RAM_BASE + 0x200);
    cr_assert_eq(img_out.high, RAM_BASE + 0x200 + 0x1234);
    cr_assert_eq(*guest(RAM_BASE + 0x1ff), PATTERN);
    for (unsigned i = 0; i < 0x1234; i++)
        cr_assert_eq(*guest(RAM_BASE + 0x200 + i), 0x5a);
    cr_assert_eq(*guest(RAM_BASE + 0x200 + 0x1234), PATTERN);
}

Test(loader, image_detects_raw)
{
    const char *path = write_raw("Image", 0x800, 0x13);
    cr_assert_eq(loader_load_image(path, &ram, RAM_BASE + 0x4000, &img_out, &load_err), 0, "%s", errbuf_text());
    cr_assert_not(img_out.is_elf);
    cr_assert_eq(img_out.entry, RAM_BASE + 0x4000);
    cr_assert_eq(*guest(RAM_BASE + 0x4000), 0x13);
    /* shorter than the ELF magic: raw too */
    path = fx_write_file("tiny.bin", "\x7f" "E", 2);
    cr_assert_eq(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err), 0,
                 "%s", errbuf_text());
    cr_assert_eq(img_out.high, RAM_BASE + 2);
    cr_assert_eq(*guest(RAM_BASE + 1), 'E');
}

Test(loader, raw_fills_ram_exactly)
{
    const char *path = write_raw("full.bin", RAM_SIZE, 0x77);
    cr_assert_eq(loader_load_raw(path, &ram, RAM_BASE, &img_out, &load_err), 0,
                 "%s", errbuf_text());
    cr_assert_eq(img_out.high, RAM_BASE + RAM_SIZE);
    cr_assert_eq(*guest(RAM_BASE + RAM_SIZE - 1), 0x77);
    memset(ram_host, PATTERN, RAM_SIZE);
    path = write_raw("tail.bin", 0x100, 0x78);
    cr_assert_eq(loader_load_raw(path, &ram, RAM_BASE + RAM_SIZE - 0x100, &img_out, &load_err), 0, "%s", errbuf_text());
}

Test(loader, raw_larger_than_ram)
{
    const char *path = write_raw("big.bin", RAM_SIZE + 1, 0x66);
    EXPECT_FAIL(loader_load_raw(path, &ram, RAM_BASE, &img_out, &load_err), path,
                -EFBIG, "65537 bytes image does not fit in 64 KiB of RAM at 0x80000000");
    EXPECT_FAIL(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err), path,
                -EFBIG, "65537 bytes image does not fit in 64 KiB of RAM at 0x80000000");
    path = write_raw("half.bin", 0x9000, 0x66);
    EXPECT_FAIL(loader_load_raw(path, &ram, RAM_BASE + 0x8000, &img_out, &load_err), path, -EFBIG,
                "36 KiB image does not fit in 32 KiB of RAM at 0x80008000");
}

Test(loader, raw_huge_sparse_file_not_read)
{
    /* 300 MiB of holes: refused from the size alone */
    const char *path = fx_tmp_path("fw.bin");
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 300LL << 20), 0);
    close(fd);
    EXPECT_FAIL(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err), path,
                -EFBIG, "300 MiB image does not fit in 64 KiB of RAM at 0x80000000");
}

Test(loader, raw_address_outside_ram)
{
    const char *path = write_raw("fw.bin", 16, 1);
    EXPECT_FAIL(loader_load_raw(path, &ram, 0x1000, &img_out, &load_err), path,
                -EFBIG, "load address 0x1000 lies outside RAM [0x80000000, 0x80010000)");
    EXPECT_FAIL(loader_load_raw(path, &ram, RAM_BASE + RAM_SIZE, &img_out, &load_err), path, -EFBIG,
                "load address 0x80010000 lies outside RAM [0x80000000, 0x80010000)");
    EXPECT_FAIL(loader_load_raw(path, &ram, UINT64_MAX, &img_out, &load_err), path,
                -EFBIG, "load address 0xffffffffffffffff lies outside RAM "
                        "[0x80000000, 0x80010000)");
}

Test(loader, raw_empty)
{
    const char *path = fx_write_file("empty.bin", "", 0);
    EXPECT_FAIL(loader_load_raw(path, &ram, RAM_BASE, &img_out, &load_err), path,
                -ENOEXEC, "empty image");
    EXPECT_FAIL(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err), path,
                -ENOEXEC, "empty image");
}

/* ---- files and arguments -------------------------------------------------------------- */

Test(loader, missing_file)
{
    const char *path = fx_tmp_path("missing.elf");
    EXPECT_FAIL(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err), path,
                -ENOENT, "No such file or directory");
    EXPECT_FAIL(loader_load_elf(path, &ram, &img_out, &load_err), path, -ENOENT,
                "No such file or directory");
    EXPECT_FAIL(loader_load_raw(path, &ram, RAM_BASE, &img_out, &load_err), path,
                -ENOENT, "No such file or directory");
}

Test(loader, not_a_regular_file)
{
    EXPECT_FAIL(loader_load_image(fx_tmpdir(), &ram, RAM_BASE, &img_out, &load_err),
                fx_tmpdir(), -EISDIR, "Is a directory");
    EXPECT_FAIL(loader_load_image("/dev/null", &ram, RAM_BASE, &img_out, &load_err), "/dev/null", -EINVAL, "not a regular file");
}

Test(loader, invalid_ram)
{
    const char *path = write_raw("fw.bin", 16, 1);
    struct guest_ram bad = { .host = NULL, .base = RAM_BASE, .size = RAM_SIZE };
    EXPECT_FAIL(loader_load_raw(path, &bad, RAM_BASE, &img_out, &load_err), path,
                -EINVAL, "invalid guest RAM");
    bad = (struct guest_ram){ .host = ram_host, .base = UINT64_MAX - 0xff, .size = RAM_SIZE };
    EXPECT_FAIL(loader_load_image(path, &bad, RAM_BASE, &img_out, &load_err), path,
                -EINVAL, "invalid guest RAM");
    EXPECT_FAIL(loader_load_elf(path, NULL, &img_out, &load_err), path, -EINVAL,
                "invalid guest RAM");
}

Test(loader, error_message_is_optional_and_success_stores_none)
{
    const char *path = fx_tmp_path("missing.elf");
    cr_assert_eq(loader_load_image(path, &ram, RAM_BASE, &img_out, NULL), -ENOENT);
    make_elf();
    cr_assert_eq(loader_load_elf(write_elf(), &ram, &img_out, &load_err), 0);
    cr_assert_null(load_err);
}

/* A path of about 4 KiB (nested directories, each name within NAME_MAX) to a missing file:
 * the message carries the whole path and the reason after it. */
Test(loader, long_path_error_message_is_not_cut)
{
    char path[4096];
    size_t n = (size_t)snprintf(path, sizeof(path), "%s", fx_tmpdir());
    while (n + 2 + 200 + 20 < sizeof(path)) {
        path[n++] = '/';
        memset(path + n, 'd', 200);
        n += 200;
        path[n] = '\0';
        cr_assert_eq(mkdir(path, 0700), 0, "%s", strerror(errno));
    }
    snprintf(path + n, sizeof(path) - n, "/missing.elf");
    cr_assert_gt(strlen(path), 3900);
    cr_assert_eq(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err), -ENOENT);
    char *want;
    cr_assert_gt(asprintf(&want, "%s: %s", path, strerror(ENOENT)), 0);
    cr_assert_str_eq(errbuf_text(), want);
    free(want);
}

/* A FIFO named as an image is refused at once (opening it must not wait for a writer). */
Test(loader, fifo_image_is_refused_without_waiting, .timeout = 10)
{
    const char *path = fx_tmp_path("image.fifo");
    cr_assert_eq(mkfifo(path, 0600), 0);
    EXPECT_FAIL(loader_load_image(path, &ram, RAM_BASE, &img_out, &load_err), path, -EINVAL,
                "not a regular file");
    EXPECT_FAIL(loader_load_raw(path, &ram, RAM_BASE, &img_out, &load_err), path, -EINVAL,
                "not a regular file");
}
