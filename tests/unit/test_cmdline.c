/* Criterion tests for hw/cmdline: every option's accepted forms, defaults, and each error line.
 * Single-threaded test process.
 * No locks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/cmdline.h"

/* ---- harness: run the parser on a literal argv, capture out and err -------------------- */

#define MAX_ARGS 64

static struct tlbstorm_config cfg;
static char *argv_copy[MAX_ARGS + 1];
static char *argv_orig[MAX_ARGS + 1];     /* second copy, to check argv is left untouched */
static int argc_copy;
static char *out_text, *err_text;

static void free_run(void)
{
    for (int i = 0; i < argc_copy; i++) {
        free(argv_copy[i]);
        free(argv_orig[i]);
    }
    argc_copy = 0;
    free(out_text);
    free(err_text);
    out_text = err_text = NULL;
}

static enum cmdline_status parse_args(const char *const *args)
{
    size_t out_len, err_len;
    FILE *out, *err;
    enum cmdline_status st;

    free_run();
    while (args[argc_copy]) {
        cr_assert_lt(argc_copy, MAX_ARGS);
        argv_copy[argc_copy] = strdup(args[argc_copy]);
        argv_orig[argc_copy] = strdup(args[argc_copy]);
        argc_copy++;
    }
    argv_copy[argc_copy] = NULL;
    out = open_memstream(&out_text, &out_len);
    err = open_memstream(&err_text, &err_len);
    cr_assert(out && err);
    st = cmdline_parse(argc_copy, argv_copy, &cfg, out, err);
    fclose(out);
    fclose(err);
    for (int i = 0; i < argc_copy; i++)
        cr_assert_str_eq(argv_copy[i], argv_orig[i], "argv[%d] was modified", i);
    /* an error prints exactly one line; success prints nothing on err */
    if (st == CMDLINE_ERROR) {
        cr_assert_neq(strlen(err_text), 0);
        cr_assert_eq(strchr(err_text, '\n'), err_text + strlen(err_text) - 1,
                     "not one line: %s", err_text);
        cr_assert_eq(strncmp(err_text, "tlbstorm: ", 10), 0);
    } else {
        cr_assert_str_empty(err_text);
    }
    return st;
}

#define PARSE(...) parse_args((const char *const[]){ "tlbstorm", __VA_ARGS__, NULL })

/* The parse fails with exactly this error line (given without "tlbstorm: " and newline). */
#define EXPECT_ERROR(msg, ...) do {                                                     \
        cr_assert_eq(PARSE(__VA_ARGS__), CMDLINE_ERROR);                                 \
        char want_[512];                                                                 \
        snprintf(want_, sizeof(want_), "tlbstorm: %s\n", msg);                           \
        cr_assert_str_eq(err_text, want_);                                               \
    } while (0)

#define EXPECT_RUN(...) cr_assert_eq(PARSE(__VA_ARGS__), CMDLINE_RUN, "err: %s", err_text)

static void teardown(void)
{
    free_run();
}

TestSuite(cmdline, .fini = teardown);

/* ---- defaults, help, version ---------------------------------------------------------- */

Test(cmdline, defaults)
{
    cr_assert_eq(parse_args((const char *const[]){ "tlbstorm", NULL }), CMDLINE_RUN);
    cr_assert_str_eq(cfg.machine, "virt");
    cr_assert_null(cfg.dumpdtb_path);
    cr_assert_eq(cfg.smp, 1);
    cr_assert_eq(cfg.ram_size, 128ULL << 20);
    cr_assert_eq(cfg.bios, BIOS_DEFAULT);
    cr_assert_null(cfg.bios_path);
    cr_assert_null(cfg.kernel_path);
    cr_assert_null(cfg.initrd_path);
    cr_assert_null(cfg.append);
    cr_assert_null(cfg.dtb_path);
    cr_assert(cfg.nographic);
    cr_assert_not(cfg.no_reboot);
    cr_assert_eq(cfg.log_mask, 0);
    cr_assert_null(cfg.log_file);
    cr_assert_not(cfg.virtio_mmio_force_legacy);
    cr_assert_not(cfg.no_progress);
    cr_assert_eq(cfg.n_drives, 0);
    cr_assert_eq(cfg.n_devices, 0);
    cr_assert_str_empty(out_text);
}

Test(cmdline, argc_zero_and_null_streams)
{
    char *argv[] = { NULL };
    cr_assert_eq(cmdline_parse(0, argv, &cfg, NULL, NULL), CMDLINE_RUN);
    char *bad[] = { "tlbstorm", "-foo", NULL };
    cr_assert_eq(cmdline_parse(2, bad, &cfg, NULL, NULL), CMDLINE_ERROR);
    char *help[] = { "tlbstorm", "-h", NULL };
    cr_assert_eq(cmdline_parse(2, help, &cfg, NULL, NULL), CMDLINE_EXIT_SUCCESS);
}

Test(cmdline, help_forms)
{
    static const char *const forms[] = { "-h", "--help", "-help", "--h" };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        cr_assert_eq(PARSE(forms[i]), CMDLINE_EXIT_SUCCESS);
        cr_assert_eq(strncmp(out_text, "usage: tlbstorm", 15), 0);
    }
}

Test(cmdline, help_lists_every_option_once)
{
    static const char *const opts[] = {
        "-help, -h", "-version", "-machine, -M ", "-cpu ", "-smp ", "-m ", "-accel ",
        "-bios ", "-kernel ", "-initrd ", "-append ", "-dtb ", "-nographic", "-serial ",
        "-monitor ", "-display ", "-no-reboot", "-flush ", "-run-slots ", "-jit ", "-gdb ", "-s", "-S", "-perfmap", "-stats[=", "-trace-flush ", "-tlb-check[=", "-tlb-check-json ", "-tlb-retain", "-symbols ", "-no-progress",
        "-remap-test ", "-d ", "-D ", "-global ", "-drive ",
        "-device ",
    };
    cr_assert_eq(PARSE("--help"), CMDLINE_EXIT_SUCCESS);
    unsigned option_lines = 0;
    for (const char *line = out_text; *line; line = strchr(line, '\n') + 1)
        if (strncmp(line, "  -", 3) == 0)
            option_lines++;
    cr_assert_eq(option_lines, sizeof(opts) / sizeof(opts[0]));
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "\n  %s", opts[i]);
        cr_assert_not_null(strstr(out_text, want), "help lacks '%s'", opts[i]);
    }
}

Test(cmdline, help_stops_parsing)
{
    /* like QEMU, help wins even over a later bad option */
    cr_assert_eq(PARSE("-h", "-bogus"), CMDLINE_EXIT_SUCCESS);
    EXPECT_ERROR("-bogus: unsupported option", "-bogus", "-h");
}

Test(cmdline, version)
{
    cr_assert_eq(PARSE("--version"), CMDLINE_EXIT_SUCCESS);
    cr_assert_str_eq(out_text,
                     "tlbstorm version " TLBSTORM_VERSION
                     " (qemu-system-riscv64 compatible command line)\n");
    cr_assert_eq(PARSE("-version"), CMDLINE_EXIT_SUCCESS);
    EXPECT_ERROR("--version: takes no argument", "--version=2");
}

/* ---- generic syntax ------------------------------------------------------------------- */

/* A huge argument is quoted in part: the error stays a short single line (fuzz_cmdline found
 * a 1 KiB argument of control bytes making a 4.6 KiB message). */
Test(cmdline, errors_quote_at_most_200_bytes_of_an_argument)
{
    static char huge[1200];
    memset(huge, 0x03, sizeof(huge) - 1);
    cr_assert_eq(PARSE(huge), CMDLINE_ERROR);
    cr_assert_lt(strlen(err_text), 1000, "%zu bytes", strlen(err_text));
    cr_assert_not_null(strstr(err_text, "\\x03..."));
    cr_assert_eq(strchr(err_text, '\n'), err_text + strlen(err_text) - 1);
}

Test(cmdline, unsupported_options)
{
    EXPECT_ERROR("-foo: unsupported option", "-foo");
    EXPECT_ERROR("--foo: unsupported option", "--foo");
    EXPECT_ERROR("-foo: unsupported option", "-foo=bar");
    EXPECT_ERROR("-S: needs -gdb, -s or -monitor: nothing else can start the CPUs", "-S");
    EXPECT_ERROR("-gdb: requires an argument", "-gdb");
    EXPECT_ERROR("-netdev: unsupported option", "-netdev", "user,id=n0");
    EXPECT_ERROR("--: unsupported option", "--");
    EXPECT_ERROR("---m: unsupported option", "---m", "256");
    EXPECT_ERROR("-Machine: unsupported option", "-Machine", "virt");
    EXPECT_ERROR("-=x: unsupported option", "-=x");
}

Test(cmdline, missing_argument)
{
    EXPECT_ERROR("-m: requires an argument", "-m");
    EXPECT_ERROR("--m: requires an argument", "--m");
    EXPECT_ERROR("-kernel: requires an argument", "-nographic", "-kernel");
    EXPECT_ERROR("-M: requires an argument", "-M");
}

Test(cmdline, non_option_arguments)
{
    EXPECT_ERROR("disk.img: disk image arguments are not supported (use -drive)", "disk.img");
    EXPECT_ERROR("-: disk image arguments are not supported (use -drive)", "-");
    EXPECT_ERROR(": disk image arguments are not supported (use -drive)", "");
    EXPECT_ERROR("x: disk image arguments are not supported (use -drive)", "-m", "256", "x");
}

Test(cmdline, flag_takes_no_argument)
{
    EXPECT_ERROR("-nographic: takes no argument", "-nographic=on");
    EXPECT_ERROR("--no-reboot: takes no argument", "--no-reboot=1");
}

Test(cmdline, double_dash_and_equals_forms)
{
    EXPECT_RUN("--smp", "2", "--m=256", "-machine=virt,dumpdtb=a.dtb", "--kernel=k.elf");
    cr_assert_eq(cfg.smp, 2);
    cr_assert_eq(cfg.ram_size, 256ULL << 20);
    cr_assert_str_eq(cfg.dumpdtb_path, "a.dtb");
    cr_assert_str_eq(cfg.kernel_path, "k.elf");
}

Test(cmdline, argument_may_start_with_dash)
{
    EXPECT_RUN("-kernel", "-k", "-append", "-x console=ttyS0");
    cr_assert_str_eq(cfg.kernel_path, "-k");
    cr_assert_str_eq(cfg.append, "-x console=ttyS0");
}

Test(cmdline, paths_point_into_argv)
{
    EXPECT_RUN("-kernel", "vmlinux", "-D", "log.txt");
    cr_assert_eq(cfg.kernel_path, argv_copy[2]);
    cr_assert_eq(cfg.log_file, argv_copy[4]);
}

/* ---- -machine ------------------------------------------------------------------------- */

Test(cmdline, machine_forms)
{
    EXPECT_RUN("-M", "virt");
    cr_assert_str_eq(cfg.machine, "virt");
    cr_assert_null(cfg.dumpdtb_path);
    EXPECT_RUN("-machine", "virt,dumpdtb=out.dtb");
    cr_assert_str_eq(cfg.dumpdtb_path, "out.dtb");
    EXPECT_RUN("-machine", "dumpdtb=only.dtb");
    cr_assert_str_eq(cfg.machine, "virt");
    cr_assert_str_eq(cfg.dumpdtb_path, "only.dtb");
    EXPECT_RUN("-machine", "type=virt,accel=tcg");
    EXPECT_RUN("-M", "virt,accel=tcg,dumpdtb=x.dtb");
    cr_assert_str_eq(cfg.dumpdtb_path, "x.dtb");
    EXPECT_RUN("-machine", "virt,dumpdtb=a,,b.dtb");
    cr_assert_str_eq(cfg.dumpdtb_path, "a,b.dtb");
}

Test(cmdline, machine_options_merge)
{
    EXPECT_RUN("-machine", "dumpdtb=a.dtb", "-M", "virt");
    cr_assert_str_eq(cfg.dumpdtb_path, "a.dtb");
    EXPECT_RUN("-machine", "dumpdtb=a.dtb", "-M", "virt,dumpdtb=b.dtb");
    cr_assert_str_eq(cfg.dumpdtb_path, "b.dtb");
}

Test(cmdline, machine_help)
{
    cr_assert_eq(PARSE("-machine", "help"), CMDLINE_EXIT_SUCCESS);
    cr_assert_not_null(strstr(out_text, "virt "));
    cr_assert_eq(PARSE("-M", "?"), CMDLINE_EXIT_SUCCESS);
    cr_assert_not_null(strstr(out_text, "virt "));
}

Test(cmdline, machine_errors)
{
    EXPECT_ERROR("-M: unsupported machine type 'sifive_u' (use -machine help)",
                 "-M", "sifive_u");
    EXPECT_ERROR("-machine: unsupported machine type 'spike' (use -machine help)",
                 "-machine", "spike,dumpdtb=x");
    EXPECT_ERROR("-machine: unknown property 'aia'", "-machine", "virt,aia=aplic");
    EXPECT_ERROR("-machine: unknown property 'acpi'", "-machine", "virt,acpi");
    EXPECT_ERROR("-machine: unsupported accelerator 'kvm' (only tcg)", "-machine",
                 "virt,accel=kvm");
    EXPECT_ERROR("-machine: dumpdtb needs a file name", "-machine", "virt,dumpdtb=");
    EXPECT_ERROR("-machine: dumpdtb needs a file name", "-machine", "virt,dumpdtb");
    EXPECT_ERROR("-machine: empty property in ''", "-machine", "");
    EXPECT_ERROR("-machine: empty property in 'virt,'", "-machine", "virt,");
    EXPECT_ERROR("-machine: property without a name in 'virt,=x'", "-machine", "virt,=x");
}

/* ---- -cpu, -accel ---------------------------------------------------------------------- */

Test(cmdline, cpu)
{
    EXPECT_RUN("-cpu", "rv64");
    EXPECT_RUN("-cpu", "max");
    cr_assert_eq(PARSE("-cpu", "help"), CMDLINE_EXIT_SUCCESS);
    cr_assert_not_null(strstr(out_text, "rv64"));
    EXPECT_ERROR("-cpu: unsupported CPU model 'sifive-u54' (rv64 or max)", "-cpu", "sifive-u54");
    EXPECT_ERROR("-cpu: unsupported CPU property 'v' (sstc, svinval, svnapot, svpbmt, sv39, sv48, sv57)", "-cpu",
                 "rv64,v=true");
    EXPECT_ERROR("-cpu: unsupported CPU model 'rv32' (rv64 or max)", "-cpu", "rv32");
    EXPECT_ERROR("-cpu: unsupported CPU model 'sstc=off' (rv64 or max)", "-cpu", "sstc=off");
    EXPECT_ERROR("-cpu: empty property in 'rv64,'", "-cpu", "rv64,");
}

Test(cmdline, cpu_sstc)
{
    EXPECT_RUN("-cpu", "rv64");
    cr_assert(cfg.cpu_sstc);
    EXPECT_RUN("-cpu", "rv64,sstc=off");
    cr_assert_not(cfg.cpu_sstc);
    EXPECT_RUN("-cpu", "max,sstc=false");
    cr_assert_not(cfg.cpu_sstc);
    EXPECT_RUN("-cpu", "rv64,sstc=off,sstc=on");      /* the last setting wins */
    cr_assert(cfg.cpu_sstc);
    EXPECT_RUN("-cpu", "rv64,sstc=true");
    cr_assert(cfg.cpu_sstc);
    EXPECT_RUN("-cpu", "rv64,sstc");                  /* a bare key means on */
    cr_assert(cfg.cpu_sstc);
    EXPECT_RUN("-cpu", "rv64,sstc=off", "-cpu", "rv64");   /* a later -cpu replaces it all */
    cr_assert(cfg.cpu_sstc);
    EXPECT_ERROR("-cpu: sstc must be on or off, not 'maybe'", "-cpu", "rv64,sstc=maybe");
}

Test(cmdline, machine_aclint)
{
    EXPECT_RUN("-M", "virt");
    cr_assert_not(cfg.machine_aclint);
    EXPECT_RUN("-M", "virt,aclint=on");
    cr_assert(cfg.machine_aclint);
    EXPECT_RUN("-machine", "aclint=on,dumpdtb=x.dtb");
    cr_assert(cfg.machine_aclint);
    EXPECT_RUN("-M", "virt,aclint=off");
    cr_assert_not(cfg.machine_aclint);
    EXPECT_ERROR("-M: aclint must be on or off, not 'maybe'", "-M", "virt,aclint=maybe");
}

/* svinval, svnapot, svpbmt: QEMU 7.2's names, off by default, each on its own. */
Test(cmdline, cpu_sv_extensions)
{
    EXPECT_RUN("-cpu", "rv64");
    cr_assert(!cfg.cpu_svinval && !cfg.cpu_svnapot && !cfg.cpu_svpbmt);
    EXPECT_RUN("-cpu", "rv64,svinval=on,svnapot=on,svpbmt=on");
    cr_assert(cfg.cpu_svinval && cfg.cpu_svnapot && cfg.cpu_svpbmt && cfg.cpu_sstc);
    EXPECT_RUN("-cpu", "rv64,svnapot");
    cr_assert(!cfg.cpu_svinval && cfg.cpu_svnapot && !cfg.cpu_svpbmt);
    EXPECT_RUN("-cpu", "rv64,svpbmt=on", "-cpu", "rv64");  /* a later -cpu replaces it all */
    cr_assert(!cfg.cpu_svpbmt);
    EXPECT_ERROR("-cpu: svinval must be on or off, not '2'", "-cpu", "rv64,svinval=2");
}

/* QEMU 8's rules: the highest mode on is the maximum, lower ones are implied; only "off"
 * settings: the mode below the lowest one turned off; a lower mode off under a higher one on
 * is an error. */
Test(cmdline, cpu_satp_modes)
{
    static const struct {
        const char *arg;
        unsigned max;
    } ok[] = {
        { "rv64", 10 },
        { "rv64,sv57=on", 10 },
        { "rv64,sv48=on", 9 },
        { "rv64,sv39=on", 8 },
        { "rv64,sv39=on,sv48=on", 9 },
        { "rv64,sv48=on,sv39=on", 9 },
        { "rv64,sv57=off", 9 },
        { "rv64,sv48=off", 8 },
        { "rv64,sv57=off,sv48=off", 8 },
        { "rv64,sv39=off", 0 },
        { "rv64,sv64=off", 10 },
        { "rv64,sv39=on,sv57=off", 8 },
        { "rv64,sv48=on,sv57=off", 9 },
        { "rv64,sv48=on,sv48=off", 8 },          /* only the last setting of sv48 counts */
        { "max,sv48,sstc=off", 9 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        EXPECT_RUN("-cpu", ok[i].arg);
        cr_assert_eq(cfg.cpu_satp_mode_max, ok[i].max, "%s: %u", ok[i].arg,
                     cfg.cpu_satp_mode_max);
    }
    EXPECT_RUN("-cpu", "rv64,sv39=on", "-cpu", "rv64");
    cr_assert_eq(cfg.cpu_satp_mode_max, 10);
    EXPECT_ERROR("-cpu: cannot disable sv39 satp mode if sv48 is enabled", "-cpu",
                 "rv64,sv39=off,sv48=on");
    EXPECT_ERROR("-cpu: cannot disable sv48 satp mode if sv57 is enabled", "-cpu",
                 "rv64,sv57=on,sv48=off");
    EXPECT_ERROR("-cpu: satp mode sv64 is higher than the hart's maximum sv57", "-cpu",
                 "rv64,sv64=on");
    EXPECT_ERROR("-cpu: sv48 must be on or off, not '1'", "-cpu", "rv64,sv48=1");
    EXPECT_ERROR("-cpu: unsupported CPU property 'sv32' (sstc, svinval, svnapot, svpbmt, sv39, sv48, sv57)", "-cpu",
                 "rv64,sv32=on");
}

Test(cmdline, accel)
{
    EXPECT_RUN("-accel", "tcg");
    EXPECT_RUN("-accel", "tcg,thread=multi");
    EXPECT_RUN("-accel", "tcg,thread=single");
    EXPECT_RUN("--accel=accel=tcg");
    cr_assert_eq(PARSE("-accel", "help"), CMDLINE_EXIT_SUCCESS);
    cr_assert_not_null(strstr(out_text, "tcg"));
    EXPECT_ERROR("-accel: unsupported accelerator 'kvm' (only tcg)", "-accel", "kvm");
    EXPECT_ERROR("-accel: thread must be multi or single, not 'many'", "-accel",
                 "tcg,thread=many");
    EXPECT_ERROR("-accel: unknown property 'tb-size'", "-accel", "tcg,tb-size=64");
}

/* ---- -smp ----------------------------------------------------------------------------- */

Test(cmdline, smp_forms)
{
    EXPECT_RUN("-smp", "4");
    cr_assert_eq(cfg.smp, 4);
    EXPECT_RUN("-smp", "cpus=3");
    cr_assert_eq(cfg.smp, 3);
    EXPECT_RUN("-smp", "1");
    cr_assert_eq(cfg.smp, 1);
    EXPECT_RUN("-smp", "64");
    cr_assert_eq(cfg.smp, 64);
    EXPECT_RUN("-smp", "4,maxcpus=4");
    cr_assert_eq(cfg.smp, 4);
    EXPECT_RUN("-smp", "4,sockets=2,cores=2");
    cr_assert_eq(cfg.smp, 4);
    EXPECT_RUN("-smp", "8,sockets=2,cores=2,threads=2,maxcpus=8");
    cr_assert_eq(cfg.smp, 8);
    EXPECT_RUN("-smp", "sockets=2,cores=2,threads=2");    /* cpus from the product */
    cr_assert_eq(cfg.smp, 8);
    EXPECT_RUN("-smp", "8,sockets=2");                    /* cores fill up */
    cr_assert_eq(cfg.smp, 8);
    EXPECT_RUN("-smp", "maxcpus=6");                      /* cpus = maxcpus */
    cr_assert_eq(cfg.smp, 6);
    EXPECT_RUN("-smp", "2", "-smp", "5");                 /* last wins */
    cr_assert_eq(cfg.smp, 5);
}

Test(cmdline, smp_errors)
{
    EXPECT_ERROR("-smp: cpus must be 1..512, not 0", "-smp", "0");
    EXPECT_ERROR("-smp: cpus must be 1..512, not 513", "-smp", "513");
    EXPECT_ERROR("-smp: cpus must be 1..512, not 99999999999", "-smp", "99999999999");
    EXPECT_ERROR("-smp: cpus: 'garbage' is not a number", "-smp", "garbage");
    EXPECT_ERROR("-smp: cpus: '-1' is not a number", "-smp", "-1");
    EXPECT_ERROR("-smp: cpus: '4x' is not a number", "-smp", "4x");
    EXPECT_ERROR("-smp: cpus: '' is not a number", "-smp", "cpus=");
    EXPECT_ERROR("-smp: sockets must be 1..512, not 0", "-smp", "4,sockets=0");
    EXPECT_ERROR("-smp: threads must be 1..512, not 1024", "-smp", "4,threads=1024");
    EXPECT_ERROR("-smp: unknown property 'dies'", "-smp", "4,dies=2");
    EXPECT_ERROR("-smp: cores needs a value", "-smp", "4,cores");
    EXPECT_ERROR("-smp: invalid CPU topology: sockets (3) * cores (1) * threads (1) != "
                 "maxcpus (4)", "-smp", "4,sockets=3");
    EXPECT_ERROR("-smp: invalid CPU topology: sockets (2) * cores (2) * threads (2) != "
                 "maxcpus (4)", "-smp", "4,sockets=2,cores=2,threads=2");
    EXPECT_ERROR("-smp: invalid CPU topology: sockets (4) * cores (0) * threads (1) != "
                 "maxcpus (2)", "-smp", "2,sockets=4");
    EXPECT_ERROR("-smp: invalid CPU topology: cpus (8) > maxcpus (4)", "-smp", "8,maxcpus=4");
    EXPECT_ERROR("-smp: maxcpus (8) must equal cpus (4): CPU hotplug is not supported",
                 "-smp", "4,maxcpus=8");
    EXPECT_ERROR("-smp: cpus must be 1..512, not 1024", "-smp", "sockets=4,cores=16,threads=16");
    EXPECT_ERROR("-smp: invalid CPU topology: sockets (4) * cores (4) * threads (8) != "
                 "maxcpus (64)", "-smp", "64,sockets=4,cores=4,threads=8");
}

/* ---- -m ------------------------------------------------------------------------------- */

static void expect_ram(const char *arg, uint64_t bytes)
{
    cr_assert_eq(PARSE("-m", arg), CMDLINE_RUN, "-m %s: %s", arg, err_text);
    cr_assert_eq(cfg.ram_size, bytes, "-m %s gave %llu", arg, (unsigned long long)cfg.ram_size);
}

Test(cmdline, m_forms)
{
    expect_ram("256", 256ULL << 20);
    expect_ram("256M", 256ULL << 20);
    expect_ram("256m", 256ULL << 20);
    expect_ram("1G", 1ULL << 30);
    expect_ram("1g", 1ULL << 30);
    expect_ram("size=512", 512ULL << 20);
    expect_ram("size=2G", 2ULL << 30);
    expect_ram("131072K", 128ULL << 20);
    expect_ram("131072k", 128ULL << 20);
    expect_ram("134217728B", 128ULL << 20);
    expect_ram("134217728b", 128ULL << 20);
    expect_ram("16", 16ULL << 20);                 /* the minimum */
    expect_ram("64G", 64ULL << 30);                /* the maximum */
    expect_ram("65536", 64ULL << 30);
    expect_ram("0.0625T", 64ULL << 30);
    expect_ram("1.5G", 1536ULL << 20);
    expect_ram("1.5g", 1536ULL << 20);
    expect_ram("0.5G", 512ULL << 20);
    expect_ram("2.250G", 2304ULL << 20);
    expect_ram("1.50000000000000000000000G", 1536ULL << 20);  /* trailing zeros are free */
    expect_ram("00128", 128ULL << 20);
    expect_ram("32.0", 32ULL << 20);
}

Test(cmdline, m_errors)
{
    EXPECT_ERROR("-m: 0 MiB is below the minimum of 16 MiB", "-m", "0");
    EXPECT_ERROR("-m: 15 MiB is below the minimum of 16 MiB", "-m", "15");
    EXPECT_ERROR("-m: 0 MiB is below the minimum of 16 MiB", "-m", "0G");
    EXPECT_ERROR("-m: 65 GiB is above the maximum of 64 GiB", "-m", "65G");
    EXPECT_ERROR("-m: 1024 GiB is above the maximum of 64 GiB", "-m", "1T");
    EXPECT_ERROR("-m: 65537 MiB is above the maximum of 64 GiB", "-m", "65537");
    EXPECT_ERROR("-m: '1.5' is not a multiple of 1 MiB", "-m", "1.5");
    EXPECT_ERROR("-m: '1.5M' is not a multiple of 1 MiB", "-m", "1.5M");
    EXPECT_ERROR("-m: '1000K' is not a multiple of 1 MiB", "-m", "1000K");
    EXPECT_ERROR("-m: '134217729B' is not a multiple of 1 MiB", "-m", "134217729B");
    EXPECT_ERROR("-m: '0.1G' is not a whole number of bytes", "-m", "0.1G");
    EXPECT_ERROR("-m: '1.5B' is not a whole number of bytes", "-m", "1.5B");
    EXPECT_ERROR("-m: '0.00000000000000000001E' is not a whole number of bytes",
                 "-m", "0.00000000000000000001E");
    EXPECT_ERROR("-m: '18446744073709551616' is too large", "-m", "18446744073709551616");
    EXPECT_ERROR("-m: '17592186044416' is too large", "-m", "17592186044416"); /* 2^44 MiB */
    EXPECT_ERROR("-m: '99999999999G' is too large", "-m", "99999999999G");
    EXPECT_ERROR("-m: '16E' is too large", "-m", "16E");
    EXPECT_ERROR("-m: 'abc' is not a valid size", "-m", "abc");
    EXPECT_ERROR("-m: '12X' is not a valid size", "-m", "12X");
    EXPECT_ERROR("-m: '1G2' is not a valid size", "-m", "1G2");
    EXPECT_ERROR("-m: '1GB' is not a valid size", "-m", "1GB");
    EXPECT_ERROR("-m: '-5' is not a valid size", "-m", "-5");
    EXPECT_ERROR("-m: '+5' is not a valid size", "-m", "+5");
    EXPECT_ERROR("-m: ' 5' is not a valid size", "-m", " 5");
    EXPECT_ERROR("-m: '1 G' is not a valid size", "-m", "1 G");
    EXPECT_ERROR("-m: '1.' is not a valid size", "-m", "1.");
    EXPECT_ERROR("-m: '.5G' is not a valid size", "-m", ".5G");
    EXPECT_ERROR("-m: '0x100' is not a valid size", "-m", "0x100");
    EXPECT_ERROR("-m: missing size", "-m", "size=");
    EXPECT_ERROR("-m: empty property in ''", "-m", "");
    EXPECT_ERROR("-m: memory hotplug (slots) is not supported", "-m", "1G,slots=2");
    EXPECT_ERROR("-m: memory hotplug (maxmem) is not supported", "-m", "1G,maxmem=4G");
    EXPECT_ERROR("-m: unknown property 'foo'", "-m", "1G,foo=1");
}

/* ---- boot images ---------------------------------------------------------------------- */

Test(cmdline, bios)
{
    EXPECT_RUN("-bios", "none");
    cr_assert_eq(cfg.bios, BIOS_NONE);
    cr_assert_null(cfg.bios_path);
    EXPECT_RUN("-bios", "fw_jump.elf");
    cr_assert_eq(cfg.bios, BIOS_FILE);
    cr_assert_str_eq(cfg.bios_path, "fw_jump.elf");
    EXPECT_RUN("-bios", "fw.bin", "-bios", "default");
    cr_assert_eq(cfg.bios, BIOS_DEFAULT);
    cr_assert_null(cfg.bios_path);
    EXPECT_RUN("-bios", "none", "-bios", "x.bin");
    cr_assert_eq(cfg.bios, BIOS_FILE);
    cr_assert_str_eq(cfg.bios_path, "x.bin");
    EXPECT_ERROR("-bios: empty file name", "-bios", "");
}

Test(cmdline, kernel_initrd_append_dtb)
{
    EXPECT_RUN("-kernel", "Image", "-initrd", "rootfs.cpio", "-append", "console=ttyS0 quiet",
               "-dtb", "board.dtb");
    cr_assert_str_eq(cfg.kernel_path, "Image");
    cr_assert_str_eq(cfg.initrd_path, "rootfs.cpio");
    cr_assert_str_eq(cfg.append, "console=ttyS0 quiet");
    cr_assert_str_eq(cfg.dtb_path, "board.dtb");
    EXPECT_RUN("-kernel", "a", "-kernel", "b");     /* last wins */
    cr_assert_str_eq(cfg.kernel_path, "b");
    EXPECT_RUN("-kernel", "k", "-append", "");       /* an empty command line is allowed */
    cr_assert_str_eq(cfg.append, "");
    EXPECT_RUN("-dtb", "x.dtb");                     /* -dtb works without -kernel */
    EXPECT_RUN("-append", "x", "-kernel", "k");      /* order does not matter */
}

Test(cmdline, boot_image_errors)
{
    EXPECT_ERROR("-initrd: only allowed with -kernel", "-initrd", "rootfs.cpio");
    EXPECT_ERROR("-append: only allowed with -kernel", "-append", "console=ttyS0");
    EXPECT_ERROR("-kernel: empty file name", "-kernel", "");
    EXPECT_ERROR("-initrd: empty file name", "-initrd", "");
    EXPECT_ERROR("-dtb: empty file name", "-dtb", "");
    EXPECT_ERROR("-D: empty file name", "-D", "");
}

/* ---- console and host side ------------------------------------------------------------ */

Test(cmdline, console_options)
{
    EXPECT_RUN("-nographic", "-serial", "mon:stdio", "-monitor", "none", "-display", "none");
    cr_assert(cfg.nographic);
    EXPECT_RUN("-serial", "stdio");
    EXPECT_ERROR("-serial: only stdio is supported (stdio or mon:stdio, not 'pty')",
                 "-serial", "pty");
    EXPECT_ERROR("-serial: only stdio is supported (stdio or mon:stdio, not 'none')",
                 "-serial", "none");
    EXPECT_RUN("-monitor", "unix:/tmp/tlbstorm-mon.sock,server,nowait");
    EXPECT_ERROR("-monitor: needs a device (unix:PATH,server,nowait or none)", "-monitor", "");
    EXPECT_ERROR("-display: only none is supported, not 'gtk'", "-display", "gtk");
}

Test(cmdline, no_reboot)
{
    EXPECT_RUN("-no-reboot");
    cr_assert(cfg.no_reboot);
    EXPECT_RUN("--no-reboot");
    cr_assert(cfg.no_reboot);
}

Test(cmdline, log_items)
{
    EXPECT_RUN("-d", "int,mmu");
    cr_assert_eq(cfg.log_mask, (1u << LOG_INT) | (1u << LOG_MMU));
    EXPECT_RUN("-d", "in_asm,exec,cpu,fpu,int,mmu,page,nochain,cpu_reset,guest_errors,unimp,tid");
    cr_assert_eq(cfg.log_mask, (1u << LOG_ITEM_COUNT) - 1);
    EXPECT_RUN("-d", "guest_errors");
    cr_assert_eq(cfg.log_mask, 1u << LOG_GUEST_ERRORS);
    EXPECT_RUN("-d", "in_asm", "-d", "unimp");       /* the last -d replaces */
    cr_assert_eq(cfg.log_mask, 1u << LOG_UNIMP);
    EXPECT_RUN("-d", "int,int");
    cr_assert_eq(cfg.log_mask, 1u << LOG_INT);
    EXPECT_RUN("-D", "trace.log");
    cr_assert_str_eq(cfg.log_file, "trace.log");
}

Test(cmdline, log_help_and_errors)
{
    cr_assert_eq(PARSE("-d", "help"), CMDLINE_EXIT_SUCCESS);
    for (unsigned i = 0; i < LOG_ITEM_COUNT; i++) {
        char want[32];
        snprintf(want, sizeof(want), "\n%s ", cmdline_log_item_name(i));
        cr_assert_not_null(strstr(out_text, want), "-d help lacks %s", want + 1);
    }
    cr_assert_null(cmdline_log_item_name(LOG_ITEM_COUNT));
    cr_assert_str_eq(cmdline_log_item_name(LOG_GUEST_ERRORS), "guest_errors");
    EXPECT_ERROR("-d: unknown log item 'pages' (use -d help)", "-d", "pages");
    EXPECT_ERROR("-d: unknown log item 'in' (use -d help)", "-d", "int,in");
    EXPECT_ERROR("-d: unknown log item 'INT' (use -d help)", "-d", "INT");
    EXPECT_ERROR("-d: empty log item in 'int,,mmu'", "-d", "int,,mmu");
    EXPECT_ERROR("-d: empty log item in 'int,'", "-d", "int,");
    EXPECT_ERROR("-d: empty log item in ''", "-d", "");
}

Test(cmdline, global_force_legacy)
{
    EXPECT_RUN("-global", "virtio-mmio.force-legacy=on");
    cr_assert(cfg.virtio_mmio_force_legacy);
    EXPECT_RUN("-global", "virtio-mmio.force-legacy=true");
    cr_assert(cfg.virtio_mmio_force_legacy);
    EXPECT_RUN("-global", "virtio-mmio.force-legacy=on", "-global", "virtio-mmio.force-legacy=off");
    cr_assert_not(cfg.virtio_mmio_force_legacy);
    EXPECT_RUN("-global", "virtio-mmio.force-legacy=false");
    cr_assert_not(cfg.virtio_mmio_force_legacy);
    EXPECT_RUN("-global", "driver=virtio-mmio,property=force-legacy,value=on");
    cr_assert(cfg.virtio_mmio_force_legacy);
}

Test(cmdline, global_errors)
{
    EXPECT_ERROR("-global: unsupported global property 'virtio-mmio.foo' "
                 "(only virtio-mmio.force-legacy)", "-global", "virtio-mmio.foo=on");
    EXPECT_ERROR("-global: unsupported global property 'virtio-blk-device.force-legacy' "
                 "(only virtio-mmio.force-legacy)", "-global",
                 "virtio-blk-device.force-legacy=on");
    EXPECT_ERROR("-global: virtio-mmio.force-legacy must be on or off, not 'maybe'",
                 "-global", "virtio-mmio.force-legacy=maybe");
    EXPECT_ERROR("-global: missing '=VALUE' in 'virtio-mmio.force-legacy'",
                 "-global", "virtio-mmio.force-legacy");
    EXPECT_ERROR("-global: expected DRIVER.PROPERTY=VALUE, not 'force-legacy=on'",
                 "-global", "force-legacy=on");
    EXPECT_ERROR("-global: expected DRIVER.PROPERTY=VALUE, not 'driver=virtio-mmio,value=on'",
                 "-global", "driver=virtio-mmio,value=on");
}

/* ---- -drive and -device --------------------------------------------------------------- */

Test(cmdline, drive_forms)
{
    EXPECT_RUN("-drive", "file=disk.img,if=none,format=raw,id=hd0",
               "-drive", "file=ro.img,if=virtio,readonly=on",
               "-drive", "file=plain.img",
               "-drive", "file=a,,b.img,id=x,readonly");
    cr_assert_eq(cfg.n_drives, 4);
    cr_assert_str_eq(cfg.drives[0].file, "disk.img");
    cr_assert_str_eq(cfg.drives[0].interface, "none");
    cr_assert_str_eq(cfg.drives[0].format, "raw");
    cr_assert_str_eq(cfg.drives[0].id, "hd0");
    cr_assert_not(cfg.drives[0].readonly);
    cr_assert_str_eq(cfg.drives[1].interface, "virtio");
    cr_assert(cfg.drives[1].readonly);
    cr_assert_null(cfg.drives[1].id);
    cr_assert_str_eq(cfg.drives[2].interface, "virtio");  /* the default */
    cr_assert_str_eq(cfg.drives[2].format, "raw");
    cr_assert_str_eq(cfg.drives[3].file, "a,b.img");
    cr_assert(cfg.drives[3].readonly);
    EXPECT_RUN("-drive", "id=d,readonly=off,file=f,if=none");
    cr_assert_not(cfg.drives[0].readonly);
}

Test(cmdline, drive_errors)
{
    EXPECT_ERROR("-drive: file= is required", "-drive", "if=none,id=x");
    EXPECT_ERROR("-drive: file= is required", "-drive", "file=,id=x");
    EXPECT_ERROR("-drive: file needs a value", "-drive", "file");
    EXPECT_ERROR("-drive: unknown property 'disk.img'", "-drive", "disk.img");
    EXPECT_ERROR("-drive: unsupported interface if=ide (none or virtio)",
                 "-drive", "file=a,if=ide");
    EXPECT_ERROR("-drive: unsupported format 'qcow2' (only raw)",
                 "-drive", "file=a,format=qcow2");
    EXPECT_ERROR("-drive: unknown property 'cache'", "-drive", "file=a,cache=none");
    EXPECT_ERROR("-drive: readonly must be on or off, not 'yesplease'",
                 "-drive", "file=a,readonly=yesplease");
    EXPECT_ERROR("-drive: invalid id '0abc' (a letter, then letters, digits, '-', '.' or '_')",
                 "-drive", "file=a,id=0abc");
    EXPECT_ERROR("-drive: duplicate drive id 'hd'",
                 "-drive", "file=a,id=hd,if=none", "-drive", "file=b,id=hd,if=none");
}

Test(cmdline, drive_limit)
{
    const char *args[2 + 2 * 9 + 1] = { "tlbstorm" };
    int n = 1;
    for (int i = 0; i < 8; i++) {
        args[n++] = "-drive";
        args[n++] = "file=d.img";
    }
    args[n] = NULL;
    cr_assert_eq(parse_args(args), CMDLINE_RUN);
    cr_assert_eq(cfg.n_drives, 8);
    args[n++] = "-drive";
    args[n++] = "file=ninth.img";
    args[n] = NULL;
    cr_assert_eq(parse_args(args), CMDLINE_ERROR);
    cr_assert_str_eq(err_text, "tlbstorm: -drive: too many drives (at most 8)\n");
}

Test(cmdline, device_forms)
{
    EXPECT_RUN("-device", "virtio-blk-device,drive=hd1,bus=virtio-mmio-bus.7",
               "-drive", "file=a.img,if=none,id=hd0",
               "-drive", "file=b.img,if=none,id=hd1",
               "-device", "virtio-blk-device,drive=hd0");
    cr_assert_eq(cfg.n_devices, 2);
    cr_assert_str_eq(cfg.devices[0].driver, "virtio-blk-device");
    cr_assert_str_eq(cfg.devices[0].drive_id, "hd1");
    cr_assert_str_eq(cfg.devices[0].bus, "virtio-mmio-bus.7");
    cr_assert_str_eq(cfg.devices[1].drive_id, "hd0");
    cr_assert_null(cfg.devices[1].bus);
    EXPECT_RUN("-drive", "file=a.img,if=none,id=x", "-device",
               "driver=virtio-blk-device,drive=x,bus=virtio-mmio-bus.0");
    cr_assert_eq(PARSE("-device", "help"), CMDLINE_EXIT_SUCCESS);
    cr_assert_not_null(strstr(out_text, "virtio-blk-device"));
}

Test(cmdline, device_errors)
{
    EXPECT_ERROR("-device: unsupported device 'virtio-blk-pci' (only virtio-blk-device)",
                 "-device", "virtio-blk-pci,drive=x");
    EXPECT_ERROR("-device: unsupported device 'virtio-net-device' (only virtio-blk-device)",
                 "-device", "virtio-net-device");
    EXPECT_ERROR("-device: missing device name (virtio-blk-device)", "-device", "drive=x");
    EXPECT_ERROR("-device: drive= is required", "-device", "virtio-blk-device");
    EXPECT_ERROR("-device: drive needs a value", "-device", "virtio-blk-device,drive=");
    EXPECT_ERROR("-device: unknown property 'serial'", "-device",
                 "virtio-blk-device,drive=x,serial=abc");
    EXPECT_ERROR("-device: unsupported bus 'virtio-mmio-bus.8' (virtio-mmio-bus.0 to "
                 "virtio-mmio-bus.7)", "-device", "virtio-blk-device,drive=x,bus=virtio-mmio-bus.8");
    EXPECT_ERROR("-device: unsupported bus 'virtio-mmio-bus.' (virtio-mmio-bus.0 to "
                 "virtio-mmio-bus.7)", "-device", "virtio-blk-device,drive=x,bus=virtio-mmio-bus.");
    EXPECT_ERROR("-device: unsupported bus 'pcie.0' (virtio-mmio-bus.0 to "
                 "virtio-mmio-bus.7)", "-device", "virtio-blk-device,drive=x,bus=pcie.0");
    EXPECT_ERROR("-device: drive 'nope' not found", "-device", "virtio-blk-device,drive=nope");
    EXPECT_ERROR("-device: drive 'hd' is already attached by if=virtio (use if=none)",
                 "-drive", "file=a,id=hd", "-device", "virtio-blk-device,drive=hd");
    EXPECT_ERROR("-device: drive 'hd' is used by two devices",
                 "-drive", "file=a,id=hd,if=none",
                 "-device", "virtio-blk-device,drive=hd",
                 "-device", "virtio-blk-device,drive=hd");
    EXPECT_ERROR("-device: bus 'virtio-mmio-bus.1' is used by two devices",
                 "-drive", "file=a,id=a,if=none", "-drive", "file=b,id=b,if=none",
                 "-device", "virtio-blk-device,drive=a,bus=virtio-mmio-bus.1",
                 "-device", "virtio-blk-device,drive=b,bus=virtio-mmio-bus.1");
}

Test(cmdline, device_limit)
{
    const char *args[1 + 2 * 9 + 1] = { "tlbstorm" };
    int n = 1;
    for (int i = 0; i < 9; i++) {
        args[n++] = "-device";
        args[n++] = "virtio-blk-device,drive=x";
    }
    args[n] = NULL;
    cr_assert_eq(parse_args(args), CMDLINE_ERROR);
    cr_assert_str_eq(err_text, "tlbstorm: -device: too many devices (at most 8)\n");
}

Test(cmdline, property_list_limits)
{
    EXPECT_ERROR("-drive: too many properties in 'file=a,id=b,id=b,id=b,id=b,id=b,id=b,id=b,"
                 "id=b,id=b,id=b,id=b,id=b,id=b,id=b,id=b,id=b'",
                 "-drive", "file=a,id=b,id=b,id=b,id=b,id=b,id=b,id=b,id=b,id=b,id=b,id=b,"
                 "id=b,id=b,id=b,id=b,id=b");
    /* a 70 KiB argument overflows the 64 KiB property store: an error, not a crash */
    static char big[70 * 1024];
    memset(big, 'a', sizeof(big) - 1);
    memcpy(big, "virt,dumpdtb=", 13);
    cr_assert_eq(PARSE("-machine", big), CMDLINE_ERROR);
    cr_assert_str_eq(err_text, "tlbstorm: -machine: option arguments too long\n");
}

Test(cmdline, qemu_style_full_command_line)
{
    EXPECT_RUN("-machine", "virt", "-cpu", "rv64", "-smp", "4", "-m", "2G", "-nographic",
               "-bios", "fw_jump.bin", "-kernel", "Image", "-append",
               "root=/dev/vda rw console=ttyS0", "-drive",
               "file=rootfs.img,format=raw,id=hd0,if=none", "-device",
               "virtio-blk-device,drive=hd0", "-serial", "mon:stdio", "-monitor", "none",
               "-no-reboot", "-accel", "tcg,thread=multi", "-d", "guest_errors,unimp",
               "-D", "qemu.log", "-global", "virtio-mmio.force-legacy=false");
    cr_assert_eq(cfg.smp, 4);
    cr_assert_eq(cfg.ram_size, 2ULL << 30);
    cr_assert_eq(cfg.bios, BIOS_FILE);
    cr_assert_str_eq(cfg.append, "root=/dev/vda rw console=ttyS0");
    cr_assert_eq(cfg.n_drives, 1);
    cr_assert_eq(cfg.n_devices, 1);
    cr_assert(cfg.no_reboot);
    cr_assert_eq(cfg.log_mask, (1u << LOG_GUEST_ERRORS) | (1u << LOG_UNIMP));
}

Test(cmdline, flush_strategy_defaults_to_mailbox_and_accepts_qemu)
{
    cr_assert_eq(PARSE("-bios", "none", "-kernel", "k.elf"), CMDLINE_RUN);
    cr_assert(!cfg.flush_qemu);
    cr_assert_eq(PARSE("--flush=qemu", "-bios", "none", "-kernel", "k.elf"), CMDLINE_RUN);
    cr_assert(cfg.flush_qemu);
    cr_assert_eq(PARSE("-flush", "mailbox", "-bios", "none", "-kernel", "k.elf"), CMDLINE_RUN);
    cr_assert(!cfg.flush_qemu);
    cr_assert_eq(PARSE("--flush=fast", "-bios", "none", "-kernel", "k.elf"), CMDLINE_ERROR);
    cr_assert_str_eq(err_text, "tlbstorm: --flush: unknown flush strategy 'fast' (mailbox or qemu)\n");
}

Test(cmdline, no_progress)
{
    cr_assert_eq(PARSE("-bios", "none", "-kernel", "k.elf"), CMDLINE_RUN);
    cr_assert_not(cfg.no_progress);
    cr_assert_eq(PARSE("--no-progress", "-bios", "none", "-kernel", "k.elf"), CMDLINE_RUN);
    cr_assert(cfg.no_progress);
    cr_assert_eq(PARSE("-no-progress", "-bios", "none", "-kernel", "k.elf"), CMDLINE_RUN);
    cr_assert(cfg.no_progress);
    cr_assert_eq(PARSE("--no-progress=yes"), CMDLINE_ERROR);
    cr_assert_str_eq(err_text, "tlbstorm: --no-progress: takes no argument\n");
}

Test(cmdline, run_slots_takes_auto_off_or_a_count)
{
    EXPECT_RUN("-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.run_slots, RUN_SLOTS_AUTO);
    EXPECT_RUN("--run-slots=off", "-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.run_slots, 0);
    EXPECT_RUN("--run-slots", "3", "-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.run_slots, 3);
    EXPECT_RUN("--run-slots=64", "--run-slots=auto", "-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.run_slots, RUN_SLOTS_AUTO);
    EXPECT_ERROR("--run-slots: bad slot count '0' (auto, off or 1..512)", "--run-slots=0");
    EXPECT_ERROR("--run-slots: bad slot count '513' (auto, off or 1..512)", "--run-slots=513");
    EXPECT_ERROR("--run-slots: bad slot count '2x' (auto, off or 1..512)", "--run-slots=2x");
    EXPECT_ERROR("--run-slots: bad slot count '99999999999' (auto, off or 1..512)",
                 "--run-slots=99999999999");
}

Test(cmdline, jit_is_on_unless_turned_off)
{
    EXPECT_RUN("-bios", "none", "-kernel", "k.elf");
    cr_assert(cfg.jit);
    EXPECT_RUN("--jit=off", "-bios", "none", "-kernel", "k.elf");
    cr_assert_not(cfg.jit);
    EXPECT_RUN("--jit=off", "--jit", "on", "-bios", "none", "-kernel", "k.elf");
    cr_assert(cfg.jit);
    EXPECT_ERROR("--jit: bad value 'yes' (on or off)", "--jit=yes");
    EXPECT_ERROR("--jit: bad value '' (on or off)", "--jit=");
}

Test(cmdline, tlb_check_takes_report_or_fatal_and_json_implies_report)
{
    EXPECT_RUN("-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.tlb_check, 0);
    cr_assert_null(cfg.symbols);
    EXPECT_RUN("--tlb-check", "-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.tlb_check, 1);
    EXPECT_RUN("--tlb-check=report", "-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.tlb_check, 1);
    EXPECT_RUN("--tlb-check=fatal", "--symbols", "vmlinux", "-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.tlb_check, 2);
    cr_assert_str_eq(cfg.symbols, "vmlinux");
    EXPECT_RUN("--tlb-check-json=r.json", "-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.tlb_check, 1);
    cr_assert_str_eq(cfg.tlb_check_json, "r.json");
    EXPECT_RUN("--tlb-check=fatal", "--tlb-check-json", "r.json", "-bios", "none", "-kernel",
               "k.elf");
    cr_assert_eq(cfg.tlb_check, 2);
    cr_assert_not(cfg.tlb_retain);
    EXPECT_RUN("--tlb-check", "--tlb-retain", "-bios", "none", "-kernel", "k.elf");
    cr_assert(cfg.tlb_retain);
    EXPECT_ERROR("--tlb-check: 'yes' is not report or fatal", "--tlb-check=yes");
    EXPECT_ERROR("--tlb-check: '' is not report or fatal", "--tlb-check=");
}

Test(cmdline, remap_test_period_takes_units_and_defaults_to_milliseconds)
{
    EXPECT_RUN("-bios", "none", "-kernel", "k.elf");
    cr_assert_eq(cfg.remap_test_period_ns, 0);
    static const struct { const char *arg; int64_t ns; } good[] = {
        { "5", 5000000 }, { "10us", 10000 }, { "250ms", 250000000 }, { "60s", 60000000000LL },
        { "15000ns", 15000 },
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        EXPECT_RUN("--remap-test", good[i].arg, "-bios", "none", "-kernel", "k.elf");
        cr_assert_eq(cfg.remap_test_period_ns, good[i].ns, "%s", good[i].arg);
    }
    EXPECT_ERROR("--remap-test: period '9us' out of range (10us..60s)", "--remap-test=9us");
    EXPECT_ERROR("--remap-test: period '61s' out of range (10us..60s)", "--remap-test=61s");
    EXPECT_ERROR("--remap-test: period '0' out of range (10us..60s)", "--remap-test=0");
    EXPECT_ERROR("--remap-test: period '99999999999999999999999s' out of range (10us..60s)",
                 "--remap-test=99999999999999999999999s");
    EXPECT_ERROR("--remap-test: bad period 'ms' (a number with ns, us, ms or s; ms if none)",
                 "--remap-test=ms");
    EXPECT_ERROR("--remap-test: bad period '1h' (a number with ns, us, ms or s; ms if none)",
                 "--remap-test=1h");
    EXPECT_ERROR("--remap-test: bad period '-1' (a number with ns, us, ms or s; ms if none)",
                 "--remap-test=-1");
}

/* Found by tests/fuzz/fuzz_cmdline: an argument with a newline in it made a two-line error. */
Test(cmdline, control_bytes_in_arguments_are_escaped_in_errors)
{
    EXPECT_ERROR("--fl\\x0at: unsupported option", "--fl\nt");
    EXPECT_ERROR("-smp: cpus: '4\\x1b[2J' is not a number", "-smp", "4\x1b[2J");
}
