/* The command line: qemu-system-riscv64 compatible options parsed into struct tlbstorm_config.
 * Callers: the main thread only, before any vCPU thread starts (parsing uses static storage).
 * Locking: none; the function is not reentrant, so call it from one thread at a time. */
#ifndef HW_CMDLINE_H
#define HW_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/cpumask.h"             /* TLBSTORM_MAX_CPUS */
#include "util/log.h"

#ifndef TLBSTORM_VERSION
#define TLBSTORM_VERSION "0.1.0"
#endif

#define RUN_SLOTS_AUTO (-1)
#define TLBSTORM_MAX_DRIVES 8
#define TLBSTORM_MAX_DEVICES 8
#define TLBSTORM_VIRTIO_MMIO_SLOTS 8               /* bus=virtio-mmio-bus.0 .. .7 */

#define TLBSTORM_RAM_DEFAULT (128ULL << 20)        /* as QEMU's virt machine */
#define TLBSTORM_RAM_MIN (16ULL << 20)             /* room for firmware, kernel and DTB */
#define TLBSTORM_RAM_MAX (64ULL << 30)             /* see docs/cli.md, "-m" */
#define TLBSTORM_RAM_ALIGN (1ULL << 20)            /* RAM size is a whole number of MiB */
#define REMAP_TEST_PERIOD_MIN_NS 10000LL           /* --remap-test: each move is a synced */
#define REMAP_TEST_PERIOD_MAX_NS 60000000000LL     /* flush of every vCPU */

/* A -drive. Strings point into argv or into the parser's static storage. */
struct tlbstorm_drive {
    const char *file;             /* file=, never NULL */
    const char *id;               /* id=, NULL if absent */
    const char *format;           /* format=, always "raw" */
    const char *interface;        /* if=: "none" or "virtio" (the default) */
    bool readonly;                /* readonly=on */
};

/* A -device virtio-blk-device. drive_id always names an if=none drive of the same config. */
struct tlbstorm_device {
    const char *driver;           /* "virtio-blk-device" */
    const char *drive_id;         /* drive= */
    const char *bus;              /* bus=virtio-mmio-bus.N, NULL if absent (first free slot) */
};

enum tlbstorm_bios { BIOS_DEFAULT, BIOS_NONE, BIOS_FILE };

/* -d items: enum tlbstorm_log_item lives with the logger (util/log.h). */

struct tlbstorm_config {
    /* machine */
    const char *machine;          /* "virt" (the only machine) */
    const char *dumpdtb_path;     /* -machine virt,dumpdtb=FILE, else NULL */
    bool machine_aclint;          /* -machine virt,aclint=on: ACLINT MSWI/MTIMER/SSWI */
    unsigned smp;                 /* vCPUs, 1..TLBSTORM_MAX_CPUS, default 1 */
    uint64_t ram_size;            /* bytes, TLBSTORM_RAM_MIN..TLBSTORM_RAM_MAX, MiB multiple */
    /* -cpu rv64,PROP=on|off,... */
    bool cpu_sstc;                /* sstc: the Sstc extension; default on */
    bool cpu_svinval;             /* svinval: sinval.vma and its fences; default off (QEMU) */
    bool cpu_svnapot;             /* svnapot: 64 KiB NAPOT leaf PTEs; default off (QEMU) */
    bool cpu_svpbmt;              /* svpbmt: PTE memory types, menvcfg.PBMTE; default off */
    /* sv39/sv48/sv57 resolved as QEMU 8 does: the satp MODE value of the highest paging mode,
     * 10 (Sv57, the default), 9 (Sv48), 8 (Sv39) or 0 (Bare: no paging). */
    unsigned cpu_satp_mode_max;

    /* boot images; paths are not checked here (the loader opens them) */
    enum tlbstorm_bios bios;      /* default BIOS_DEFAULT */
    const char *bios_path;        /* set iff bios == BIOS_FILE */
    const char *kernel_path;      /* -kernel, else NULL */
    const char *initrd_path;      /* -initrd, else NULL; requires -kernel */
    const char *append;           /* -append, else NULL; requires -kernel */
    const char *dtb_path;         /* -dtb, else NULL */

    /* host side */
    bool nographic;               /* default true: there is no display */
    bool no_reboot;               /* -no-reboot: a guest reset request ends the emulator */
    unsigned log_mask;            /* -d items, bit (1u << enum tlbstorm_log_item) */
    const char *log_file;         /* -D FILE, else NULL (log to stderr) */
    bool virtio_mmio_force_legacy; /* -global virtio-mmio.force-legacy=on|off; default false */
    bool flush_qemu;              /* --flush=qemu: QEMU's shootdown and TLB policy (baseline) */
    bool stats;                   /* --stats: print the flush summary on stderr at exit */
    const char *stats_json;       /* --stats=FILE: write the JSON report there instead */
    const char *trace_flush;      /* --trace-flush=FILE: one line per flush request */
    bool no_progress;             /* --no-progress: no progress line on a terminal's stderr */
    int64_t remap_test_period_ns; /* --remap-test=PERIOD, else 0 (hw/remap_test.h) */
    /* --run-slots: vCPUs in guest code at once (sync/run_slots.h); RUN_SLOTS_AUTO (default),
     * 0 = off, or 1..TLBSTORM_MAX_CPUS */
    int run_slots;
    bool jit;                     /* --jit=on|off: compile TBs to host code (accel/jit.h); on */
    bool perfmap;                 /* -perfmap: /tmp/perf-PID.map for perf (accel/jit.h) */
    const char *gdb;              /* -gdb DEV or -s: the gdbstub's socket (hw/gdbstub.h) */
    bool start_stopped;           /* -S: vCPUs parked until the debugger continues them */
    const char *monitor;          /* -monitor DEV, NULL for none (hw/monitor.h) */
    bool serial_mux;              /* -serial mon:stdio (default, as -nographic): Ctrl-A c */
    /* --tlb-check[=report|fatal]: find the guest's missing TLB fences (cpu/tlb_check.h);
     * 0 off, 1 report, 2 fatal (enum tlb_check_mode) */
    unsigned tlb_check;
    const char *tlb_check_json;   /* --tlb-check-json=FILE: reports as JSON lines */
    bool tlb_retain;              /* --tlb-retain: keep translations (mm/tlb.h tlb_set_retain) */
    const char *symbols;          /* --symbols=FILE: ELF or System.map for report pcs */

    struct tlbstorm_drive drives[TLBSTORM_MAX_DRIVES];
    unsigned n_drives;
    struct tlbstorm_device devices[TLBSTORM_MAX_DEVICES];
    unsigned n_devices;
};

enum cmdline_status {
    CMDLINE_RUN = 0,              /* *cfg is complete: start the machine */
    CMDLINE_EXIT_SUCCESS = 1,     /* help, version or a "help" listing was printed: exit 0 */
    CMDLINE_ERROR = -1,           /* one error line was printed: exit 1 */
};

/* Parses argv[1..argc-1] into *cfg, which is set to the defaults first. Help, version and
 * listings go to `out`; an error prints one line "tlbstorm: <option>: <what is wrong>" to `err`
 * and parsing stops there (either stream may be NULL to discard). Never exits, never checks
 * that files exist, never allocates: the strings in *cfg point into argv or into static
 * storage that stays valid until the next call. argv is not modified. On CMDLINE_ERROR the
 * contents of *cfg are unspecified. */
enum cmdline_status cmdline_parse(int argc, char **argv, struct tlbstorm_config *cfg,
                                  FILE *out, FILE *err) __attribute__((warn_unused_result));

/* The -d item name ("in_asm", ...) for `item`, or NULL if out of range. Any thread. */
const char *cmdline_log_item_name(enum tlbstorm_log_item item);

#endif /* HW_CMDLINE_H */
