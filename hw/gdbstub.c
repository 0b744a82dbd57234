/* GDB remote stub (see hw/gdbstub.h).
 *
 * The stub thread owns the connection. While the machine runs it polls the connection (for
 * Ctrl-C), the vm_stop event fd (a breakpoint hit or a finished step) and, every 100 ms, the
 * machine's power-off request. While the machine is stopped (every vCPU parked, see
 * sync/vm_stop.h) it serves packets and touches hart state directly. A new connection stops
 * the machine; detaching or losing the connection resumes it with breakpoints and steps
 * cleared; 'k' powers off with status 0. A second connection while one is open is accepted
 * and closed at once.
 *
 * Threads: GDB thread ids are hart + 1. Registers: x0-x31, pc (the 'g' packet), f0-f31, fflags,
 * frm, fcsr and a set of CSRs (fetched with 'p', numbered 65 + CSR number as GDB's RISC-V
 * target does), priv (4161). Memory goes through the selected hart's page tables at its
 * privilege (cpu/mmu.h riscv_debug_translate), falling back to physical addresses when the
 * address is not mapped, and reaches RAM and ROM only (no device register is read or written
 * behind the guest's back). */
#include "hw/gdbstub.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "accel/vcpu.h"
#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/mmu.h"
#include "hw/listen_socket.h"
#include "hw/monitor.h"
#include "sync/vm_stop.h"
#include "util/gdb_packet.h"

#define GDB_REG_PC 32
#define GDB_REG_F0 33
#define GDB_REG_CSR0 65            /* 65 + CSR number */
#define GDB_REG_PRIV 4161
#define GDB_MEM_MAX 2048           /* bytes per m/M/X transfer */
#define REPLY_MAX (2 * GDB_PACKET_MAX + 8)

/* The CSRs the target description offers (what a kernel developer reads). */
static const struct { const char *name; unsigned csr; } gdb_csrs[] = {
    { "sstatus", 0x100 }, { "sie", 0x104 }, { "stvec", 0x105 }, { "sscratch", 0x140 },
    { "sepc", 0x141 }, { "scause", 0x142 }, { "stval", 0x143 }, { "sip", 0x144 },
    { "satp", 0x180 }, { "mstatus", 0x300 }, { "misa", 0x301 }, { "medeleg", 0x302 },
    { "mideleg", 0x303 }, { "mie", 0x304 }, { "mtvec", 0x305 }, { "mscratch", 0x340 },
    { "mepc", 0x341 }, { "mcause", 0x342 }, { "mtval", 0x343 }, { "mip", 0x344 },
    { "mhartid", 0xf14 },
};

static struct {
    Machine *m;
    SocketServer srv;
    int conn_fd;
    bool stopped;                  /* every vCPU parked on our request */
    unsigned g_hart;               /* 'Hg': registers and memory */
    GdbPacketReader rx;
    char reply[GDB_PACKET_MAX + 1];
    size_t reply_len;
    char framed[REPLY_MAX];
    size_t framed_len;
    char xml[8192];
} gs = { .srv = SOCKET_SERVER_INIT, .conn_fd = -1 };

/* ---- replies ------------------------------------------------------------------------ */

static void reply_clear(void)
{
    gs.reply_len = 0;
}

static void reply_str(const char *s)
{
    size_t n = strlen(s);
    if (gs.reply_len + n <= GDB_PACKET_MAX) {
        memcpy(gs.reply + gs.reply_len, s, n);
        gs.reply_len += n;
    }
}

static void reply_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(gs.reply + gs.reply_len, GDB_PACKET_MAX + 1 - gs.reply_len, fmt, ap);
    va_end(ap);
    if (n > 0 && gs.reply_len + (size_t)n <= GDB_PACKET_MAX) {
        gs.reply_len += (size_t)n;
    }
}

static void reply_hex(const void *bytes, size_t n)
{
    if (gs.reply_len + 2 * n <= GDB_PACKET_MAX) {
        gdb_hex_encode(bytes, n, gs.reply + gs.reply_len);
        gs.reply_len += 2 * n;
    }
}

static bool send_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(gs.conn_fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool reply_send(void)
{
    gs.framed_len = gdb_packet_frame(gs.reply, gs.reply_len, gs.framed, sizeof(gs.framed));
    return gs.framed_len && send_all(gs.framed, gs.framed_len);
}

/* ---- machine control ------------------------------------------------------------------ */

static RISCVCPU *hart(unsigned h)
{
    return gs.m->cpus[h];
}

static bool stop_machine(void)
{
    vm_stop_request();
    gs.stopped = vm_stop_wait_all(0);
    return gs.stopped;
}

static void resume_machine(void)
{
    gs.stopped = false;
    vm_resume();
}

static void reply_stop(unsigned sig, unsigned h)
{
    reply_clear();
    reply_fmt("T%02xthread:%x;", sig, h + 1);
}

/* ---- registers ------------------------------------------------------------------------ */

static bool csr_value(RISCVCPU *cpu, unsigned csr, uint64_t *v)
{
    switch (csr) {
    case 0x100: *v = cpu->mstatus & SSTATUS_VISIBLE; return true;
    case 0x104: *v = cpu->mie & cpu->mideleg; return true;
    case 0x105: *v = cpu->stvec; return true;
    case 0x140: *v = cpu->sscratch; return true;
    case 0x141: *v = cpu->sepc; return true;
    case 0x142: *v = cpu->scause; return true;
    case 0x143: *v = cpu->stval; return true;
    case 0x144: *v = riscv_cpu_mip(cpu) & cpu->mideleg; return true;
    case 0x180: *v = cpu->satp; return true;
    case 0x300: *v = cpu->mstatus; return true;
    case 0x301: *v = cpu->misa; return true;
    case 0x302: *v = cpu->medeleg; return true;
    case 0x303: *v = cpu->mideleg; return true;
    case 0x304: *v = cpu->mie; return true;
    case 0x305: *v = cpu->mtvec; return true;
    case 0x340: *v = cpu->mscratch; return true;
    case 0x341: *v = cpu->mepc; return true;
    case 0x342: *v = cpu->mcause; return true;
    case 0x343: *v = cpu->mtval; return true;
    case 0x344: *v = riscv_cpu_mip(cpu); return true;
    case 0xf14: *v = cpu->mhartid; return true;
    default: return false;
    }
}

/* Register n of the hart as GDB numbers it; *size is 8 or 4. False: no such register. */
static bool reg_read(RISCVCPU *cpu, unsigned n, uint64_t *v, unsigned *size)
{
    *size = 8;
    if (n < 32) {
        *v = n ? cpu->x[n] : 0;
    } else if (n == GDB_REG_PC) {
        *v = cpu->pc;
    } else if (n >= GDB_REG_F0 && n < GDB_REG_F0 + 32) {
        *v = cpu->f[n - GDB_REG_F0];
    } else if (n == GDB_REG_CSR0 + 1) {
        *v = cpu->fflags;
        *size = 4;
    } else if (n == GDB_REG_CSR0 + 2) {
        *v = cpu->frm;
        *size = 4;
    } else if (n == GDB_REG_CSR0 + 3) {
        *v = (uint64_t)cpu->frm << 5 | cpu->fflags;
        *size = 4;
    } else if (n == GDB_REG_PRIV) {
        *v = cpu->priv;
        *size = 1;
    } else if (n > GDB_REG_CSR0 && n < GDB_REG_CSR0 + 4096) {
        return csr_value(cpu, n - GDB_REG_CSR0, v);
    } else {
        return false;
    }
    return true;
}

/* Writes: integer and FP registers, pc, fflags/frm/fcsr. CSRs and priv are read-only here. */
static bool reg_write(RISCVCPU *cpu, unsigned n, uint64_t v)
{
    if (n < 32) {
        if (n) {
            cpu->x[n] = v;
        }
    } else if (n == GDB_REG_PC) {
        cpu->pc = v;
    } else if (n >= GDB_REG_F0 && n < GDB_REG_F0 + 32) {
        cpu->f[n - GDB_REG_F0] = v;
    } else if (n == GDB_REG_CSR0 + 1) {
        cpu->fflags = (uint32_t)v & 0x1f;
    } else if (n == GDB_REG_CSR0 + 2) {
        cpu->frm = (uint8_t)(v & 7);
    } else if (n == GDB_REG_CSR0 + 3) {
        cpu->fflags = (uint32_t)v & 0x1f;
        cpu->frm = (uint8_t)((v >> 5) & 7);
    } else {
        return false;
    }
    return true;
}

static void put_le(uint8_t *b, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t get_le(const uint8_t *b, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    return v;
}

/* ---- target description --------------------------------------------------------------- */

static const char *target_xml(void)
{
    size_t o = 0;
    size_t cap = sizeof(gs.xml);
#define XML(...) o += (size_t)snprintf(gs.xml + o, o < cap ? cap - o : 0, __VA_ARGS__)
    XML("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
        "<target version=\"1.0\"><architecture>riscv:rv64</architecture>"
        "<feature name=\"org.gnu.gdb.riscv.cpu\">");
    static const char *const abi[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3",
        "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
        "t3", "t4", "t5", "t6",
    };
    for (unsigned i = 0; i < 32; i++) {
        XML("<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%u\"/>", abi[i],
            i == 1 ? "code_ptr" : (i == 2 || i == 8) ? "data_ptr" : "int", i);
    }
    XML("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/></feature>"
        "<feature name=\"org.gnu.gdb.riscv.fpu\">");
    for (unsigned i = 0; i < 32; i++) {
        XML("<reg name=\"f%u\" bitsize=\"64\" type=\"ieee_double\" regnum=\"%u\"/>", i,
            GDB_REG_F0 + i);
    }
    XML("<reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"66\"/>"
        "<reg name=\"frm\" bitsize=\"32\" type=\"int\" regnum=\"67\"/>"
        "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\"/></feature>"
        "<feature name=\"org.gnu.gdb.riscv.csr\">");
    for (unsigned i = 0; i < sizeof(gdb_csrs) / sizeof(gdb_csrs[0]); i++) {
        XML("<reg name=\"%s\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>", gdb_csrs[i].name,
            GDB_REG_CSR0 + gdb_csrs[i].csr);
    }
    XML("</feature><feature name=\"org.gnu.gdb.riscv.virtual\">"
        "<reg name=\"priv\" bitsize=\"8\" type=\"int\" regnum=\"%u\"/></feature></target>",
        GDB_REG_PRIV);
#undef XML
    return gs.xml;
}

static const char *threads_xml(void)
{
    size_t o = 0;
    size_t cap = sizeof(gs.xml);
    o += (size_t)snprintf(gs.xml, cap, "<?xml version=\"1.0\"?><threads>");
    for (unsigned h = 0; h < gs.m->n_cpus && o < cap; h++) {
        o += (size_t)snprintf(gs.xml + o, cap - o,
                              "<thread id=\"%x\" core=\"%u\" name=\"hart %u\"></thread>",
                              h + 1, h, h);
    }
    if (o < cap) {
        snprintf(gs.xml + o, cap - o, "</threads>");
    }
    return gs.xml;
}

/* qXfer:<object>:read:<annex>:<offset>,<length> */
static void handle_qxfer(const char *p)
{
    const char *doc = NULL;
    if (strncmp(p, "features:read:target.xml:", 25) == 0) {
        doc = target_xml();
        p += 25;
    } else if (strncmp(p, "threads:read::", 14) == 0) {
        doc = threads_xml();
        p += 14;
    } else {
        reply_str("");
        return;
    }
    uint64_t off, len;
    if (!gdb_parse_hex(&p, &off) || *p++ != ',' || !gdb_parse_hex(&p, &len)) {
        reply_str("E01");
        return;
    }
    size_t total = strlen(doc);
    if (off >= total) {
        reply_str("l");
        return;
    }
    if (len > GDB_PACKET_MAX - 1) {
        len = GDB_PACKET_MAX - 1;
    }
    size_t n = total - off < len ? total - off : len;
    reply_str(off + n < total ? "m" : "l");
    /* The framing escapes '$', '#', '}' and '*', so the document goes as it is. */
    memcpy(gs.reply + gs.reply_len, doc + off, n);
    gs.reply_len += n;
}

/* ---- packets -------------------------------------------------------------------------- */

/* Thread id as GDB sends it: -1 all, 0 any, else hart + 1. Returns the hart, or -1 for
 * "all/any", or -2 if invalid. */
static int parse_thread(const char **p)
{
    if (**p == '-' && (*p)[1] == '1') {
        *p += 2;
        return -1;
    }
    uint64_t t;
    if (!gdb_parse_hex(p, &t)) {
        return -2;
    }
    if (t == 0) {
        return -1;
    }
    return t <= gs.m->n_cpus ? (int)(t - 1) : -2;
}

/* qRcmd,HEX: GDB's `monitor CMD`. The output goes back as console packets ('O' + hex, at
 * most what fits a packet each), then the final reply. */
static void handle_monitor_command(const char *hex)
{
    size_t n = strlen(hex) / 2;
    char line[256];
    if (n >= sizeof(line) || strlen(hex) % 2 || !gdb_hex_decode(hex, n, (uint8_t *)line)) {
        reply_str("E01");
        return;
    }
    line[n] = '\0';
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        reply_str("E12");
        return;
    }
    monitor_execute(gs.m, line, out);
    fclose(out);
    size_t chunk = (GDB_PACKET_MAX - 1) / 2;
    for (size_t off = 0; off < len; off += chunk) {
        size_t c = len - off < chunk ? len - off : chunk;
        reply_clear();
        reply_str("O");
        reply_hex(text + off, c);
        if (!reply_send()) {
            break;
        }
    }
    free(text);
    reply_clear();
    reply_str("OK");
}

enum resume { RESUME_NONE, RESUME_GO, RESUME_DETACH, RESUME_KILL };

/* vCont;ACTION[:THREAD](;ACTION[:THREAD])*: the first action naming a hart wins for it, an
 * action without a thread applies to the harts not named before. 'c' continues, 's' steps;
 * a hart without an action stays parked (GDB steps RISC-V in software: a temporary breakpoint
 * and "vCont;c:N", during which the other harts must not run). Signals ('C', 'S') are taken
 * as 'c' and 's'. */
static enum resume handle_vcont(const char *p)
{
    char action[TLBSTORM_MAX_CPUS];
    memset(action, 0, sizeof(action));
    while (*p == ';') {
        p++;
        char a = *p++;
        if (a == 'C' || a == 'S') {
            uint64_t sig;
            gdb_parse_hex(&p, &sig);
            a = a == 'C' ? 'c' : 's';
        }
        if (a != 'c' && a != 's') {
            reply_str("E01");
            return RESUME_NONE;
        }
        int h = -1;
        if (*p == ':') {
            p++;
            h = parse_thread(&p);
            if (h == -2) {
                reply_str("E02");
                return RESUME_NONE;
            }
        }
        for (unsigned i = 0; i < gs.m->n_cpus; i++) {
            if (!action[i] && (h < 0 || (unsigned)h == i)) {
                action[i] = a;
            }
        }
    }
    for (unsigned i = 0; i < gs.m->n_cpus; i++) {
        vcpu_set_single_step(hart(i), action[i] == 's');
        vm_stop_hold(i, action[i] == 0);
    }
    return RESUME_GO;
}

static enum resume handle_packet(char *pkt, size_t len)
{
    reply_clear();
    char *p = pkt + 1;
    switch (pkt[0]) {
    case '?':
        reply_stop(5, gs.g_hart);
        break;
    case 'q':
        if (strncmp(pkt, "qSupported", 10) == 0) {
            reply_fmt("PacketSize=%x;qXfer:features:read+;qXfer:threads:read+;vContSupported+",
                      GDB_PACKET_MAX);
        } else if (strcmp(pkt, "qAttached") == 0) {
            reply_str("1");
        } else if (strcmp(pkt, "qC") == 0) {
            reply_fmt("QC%x", gs.g_hart + 1);
        } else if (strcmp(pkt, "qfThreadInfo") == 0) {
            reply_str("m");
            for (unsigned h = 0; h < gs.m->n_cpus; h++) {
                reply_fmt(h ? ",%x" : "%x", h + 1);
            }
        } else if (strcmp(pkt, "qsThreadInfo") == 0) {
            reply_str("l");
        } else if (strncmp(pkt, "qXfer:", 6) == 0) {
            handle_qxfer(pkt + 6);
        } else if (strncmp(pkt, "qRcmd,", 6) == 0) {
            handle_monitor_command(pkt + 6);
        } else if (strncmp(pkt, "qThreadExtraInfo,", 17) == 0) {
            const char *q = pkt + 17;
            int h = parse_thread(&q);
            if (h < 0) {
                reply_str("E01");
            } else {
                char info[48];
                snprintf(info, sizeof(info), "hart %d, priv %u", h, hart((unsigned)h)->priv);
                reply_hex(info, strlen(info));
            }
        }
        break;
    case 'H': {
        const char *q = p + 1;
        int h = parse_thread(&q);
        if (h == -2) {
            reply_str("E01");
        } else {
            if (h >= 0 && *p == 'g') {
                gs.g_hart = (unsigned)h;
            }
            reply_str("OK");
        }
        break;
    }
    case 'T': {
        const char *q = p;
        reply_str(parse_thread(&q) >= 0 ? "OK" : "E01");
        break;
    }
    case 'g': {
        RISCVCPU *cpu = hart(gs.g_hart);
        for (unsigned n = 0; n <= GDB_REG_PC; n++) {
            uint64_t v;
            unsigned size;
            uint8_t b[8];
            reg_read(cpu, n, &v, &size);
            put_le(b, v, size);
            reply_hex(b, size);
        }
        break;
    }
    case 'G': {
        RISCVCPU *cpu = hart(gs.g_hart);
        if (len - 1 < 2 * 8 * 33) {
            reply_str("E01");
            break;
        }
        uint8_t b[8 * 33];
        if (!gdb_hex_decode(p, sizeof(b), b)) {
            reply_str("E01");
            break;
        }
        for (unsigned n = 0; n <= GDB_REG_PC; n++) {
            reg_write(cpu, n, get_le(b + 8 * n, 8));
        }
        reply_str("OK");
        break;
    }
    case 'p':
    case 'P': {
        /* p N; P N=VALUE, VALUE in the register's size, little-endian hex */
        const char *q = p;
        uint64_t n, v;
        unsigned size;
        uint8_t b[8];
        RISCVCPU *cpu = hart(gs.g_hart);
        if (!gdb_parse_hex(&q, &n) || n > 0xffff || !reg_read(cpu, (unsigned)n, &v, &size)) {
            reply_str("E01");
        } else if (pkt[0] == 'p') {
            put_le(b, v, size);
            reply_hex(b, size);
        } else if (*q++ != '=' || strlen(q) != 2 * size || !gdb_hex_decode(q, size, b) ||
                   !reg_write(cpu, (unsigned)n, get_le(b, size))) {
            reply_str("E01");
        } else {
            reply_str("OK");
        }
        break;
    }
    case 'm':
    case 'M':
    case 'X': {
        const char *q = p;
        uint64_t addr, n;
        uint8_t buf[GDB_MEM_MAX];
        if (!gdb_parse_hex(&q, &addr) || *q++ != ',' || !gdb_parse_hex(&q, &n) ||
            n > GDB_MEM_MAX) {
            reply_str("E01");
            break;
        }
        if (pkt[0] == 'm') {
            if (!riscv_debug_memory(hart(gs.g_hart), DEBUG_MEM_VIRTUAL_OR_PHYSICAL, addr, buf, n,
                                    false)) {
                reply_str("E14");        /* EFAULT */
            } else {
                reply_hex(buf, n);
            }
            break;
        }
        if (*q++ != ':') {
            reply_str("E01");
            break;
        }
        if (pkt[0] == 'M') {
            if (strlen(q) != 2 * n || !gdb_hex_decode(q, n, buf)) {
                reply_str("E01");
                break;
            }
        } else {
            if ((size_t)(pkt + len - q) != n) {
                reply_str("E01");
                break;
            }
            memcpy(buf, q, n);
        }
        reply_str(riscv_debug_memory(hart(gs.g_hart), DEBUG_MEM_VIRTUAL_OR_PHYSICAL,
                                     addr, buf, n, true) ? "OK" : "E14");
        break;
    }
    case 'Z':
    case 'z': {
        const char *q = p;
        uint64_t type, addr, kind;
        if (!gdb_parse_hex(&q, &type) || *q++ != ',' || !gdb_parse_hex(&q, &addr) ||
            *q++ != ',' || !gdb_parse_hex(&q, &kind)) {
            reply_str("E01");
            break;
        }
        if (type > 4) {
            reply_str("");
            break;
        }
        bool ok;
        if (type <= 1) {             /* software and hardware breakpoints alike */
            ok = pkt[0] == 'Z' ? vcpu_breakpoint_insert(addr) : vcpu_breakpoint_remove(addr);
        } else {                     /* kind = length in bytes */
            ok = pkt[0] == 'Z' ? debug_watchpoint_insert(addr, kind, (enum debug_watch_kind)type)
                               : debug_watchpoint_remove(addr, kind,
                                                         (enum debug_watch_kind)type);
        }
        reply_str(ok || pkt[0] == 'z' ? "OK" : "E22");
        break;
    }
    case 'v':
        if (strcmp(pkt, "vCont?") == 0) {
            reply_str("vCont;c;C;s;S");
        } else if (strncmp(pkt, "vCont;", 6) == 0) {
            return handle_vcont(pkt + 5);
        } else if (strncmp(pkt, "vKill", 5) == 0) {
            reply_str("OK");
            return RESUME_KILL;
        }
        break;
    case 'c':
    case 's': {
        for (unsigned i = 0; i < gs.m->n_cpus; i++) {
            vcpu_set_single_step(hart(i), pkt[0] == 's' && i == gs.g_hart);
            vm_stop_hold(i, false);
        }
        return RESUME_GO;
    }
    case 'D':
        reply_str("OK");
        return RESUME_DETACH;
    case 'k':
        return RESUME_KILL;
    default:
        break;            /* empty reply: not supported */
    }
    return RESUME_NONE;
}

/* ---- the connection ------------------------------------------------------------------- */

static bool machine_ended(void)
{
    return machine_pending_request(gs.m) != MACHINE_RUN;
}

static void end_connection(void)
{
    if (!gs.stopped && !machine_ended()) {
        stop_machine();       /* breakpoints and steps change only while every vCPU parks */
    }
    vcpu_breakpoints_clear();
    debug_watchpoints_clear();
    for (unsigned i = 0; i < gs.m->n_cpus; i++) {
        vcpu_set_single_step(hart(i), false);
    }
    vm_stop_hold_clear();
    if (gs.stopped) {
        resume_machine();
    }
    close(gs.conn_fd);
    gs.conn_fd = -1;
}

/* Reads what the client sent. Returns false when the connection is gone. While running,
 * only Ctrl-C matters; while stopped, each packet is answered and may resume. */
static bool serve_input(bool *running)
{
    uint8_t buf[4096];
    ssize_t n = recv(gs.conn_fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    if (n <= 0) {
        return false;
    }
    for (ssize_t i = 0; i < n; i++) {
        enum gdb_rx_event ev = gdb_packet_feed(&gs.rx, buf[i]);
        switch (ev) {
        case GDB_RX_INTERRUPT:
            if (*running) {
                if (!stop_machine()) {
                    return false;
                }
                *running = false;
                reply_stop(2, gs.g_hart);
                if (!reply_send()) {
                    return false;
                }
            }
            break;
        case GDB_RX_NACK:
            if (gs.framed_len && !send_all(gs.framed, gs.framed_len)) {
                return false;
            }
            break;
        case GDB_RX_BAD_CHECKSUM:
        case GDB_RX_TOO_LONG:
            if (!send_all("-", 1)) {
                return false;
            }
            break;
        case GDB_RX_PACKET: {
            if (!send_all("+", 1)) {
                return false;
            }
            if (*running) {
                break;          /* only Ctrl-C is expected while the guest runs */
            }
            enum resume r = handle_packet(gs.rx.buf, gs.rx.len);
            if (r == RESUME_NONE) {
                if (!reply_send()) {
                    return false;
                }
            } else if (r == RESUME_GO) {
                resume_machine();
                *running = true;
            } else if (r == RESUME_DETACH) {
                reply_send();
                return false;
            } else {
                if (gs.reply_len) {
                    reply_send();        /* vKill's OK; 'k' has no reply */
                }
                machine_request(gs.m, MACHINE_POWEROFF, 0);
                return false;
            }
            break;
        }
        case GDB_RX_NONE:
        case GDB_RX_ACK:
            break;
        }
    }
    return true;
}

static void serve_connection(void)
{
    gdb_packet_reader_init(&gs.rx);
    gs.framed_len = 0;
    gs.g_hart = 0;
    if (!stop_machine()) {
        return;
    }
    bool running = false;
    for (;;) {
        struct pollfd pfd[4] = {
            { .fd = gs.conn_fd, .events = POLLIN },
            { .fd = vm_stop_event_fd(), .events = POLLIN },
            { .fd = gs.srv.wake_fd, .events = POLLIN },
            { .fd = gs.srv.listen_fd, .events = POLLIN },
        };
        int rc = poll(pfd, 4, 100);
        if (rc < 0 && errno != EINTR) {
            return;
        }
        if (pfd[2].revents) {
            return;                              /* gdbstub_stop */
        }
        if (pfd[3].revents & POLLIN) {
            int extra = accept4(gs.srv.listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (extra >= 0) {
                close(extra);                    /* one debugger at a time */
            }
        }
        if (running && machine_ended()) {
            reply_clear();
            reply_fmt("W%02x", runstate_exit_code(&gs.m->run) & 0xff);
            reply_send();
            return;
        }
        if (pfd[1].revents & POLLIN) {
            VMStopEvent ev;
            if (vm_stop_take_event(&ev) && running) {
                if (!stop_machine()) {
                    continue;                    /* the machine is ending */
                }
                running = false;
                gs.g_hart = ev.hart;
                reply_stop(5, ev.hart);
                static const char *const watch[] = {
                    [VM_STOP_WATCH_WRITE] = "watch", [VM_STOP_WATCH_READ] = "rwatch",
                    [VM_STOP_WATCH_ACCESS] = "awatch",
                };
                if (ev.reason >= VM_STOP_WATCH_WRITE && ev.reason <= VM_STOP_WATCH_ACCESS) {
                    reply_fmt("%s:%" PRIx64 ";", watch[ev.reason], ev.addr);
                }
                if (!reply_send()) {
                    return;
                }
            }
        }
        if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!serve_input(&running)) {
                return;
            }
        }
    }
}

static void *gdbstub_thread(void *arg)
{
    (void)arg;
    urcu_memb_register_thread();
    for (;;) {
        int fd = socket_server_accept(&gs.srv);
        if (fd < 0) {
            break;
        }
        gs.conn_fd = fd;
        serve_connection();
        end_connection();
        if (machine_ended()) {
            break;
        }
    }
    urcu_memb_unregister_thread();
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------------- */

int gdbstub_start(Machine *m, const char *spec, Error **errp)
{
    if (vm_stop_init() != 0) {
        error_setg(errp, "-gdb: cannot create an event fd: %s", strerror(errno));
        return -1;
    }
    gs.m = m;
    return socket_server_start(&gs.srv, spec, "-gdb", gdbstub_thread, NULL, errp);
}

void gdbstub_stop(void)
{
    socket_server_stop(&gs.srv);
}
