/* Command-line parsing: one table of options, one handler per option, and the QEMU
 * "key=value,key=value" property syntax (",," escapes a comma) shared by the handlers.
 *
 * Adding an option is one line in option_table[] plus its handler (and a config field).
 * Every option may be written with one or two dashes, and its argument either as the next
 * word or after '=' ("-m 256", "--m=256"). An option whose argument is optional (ARG_OPTIONAL)
 * takes it only after '=' ("--stats" or "--stats=FILE"), because the next word is never
 * consumed for it. */
#include "hw/cmdline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- parse state ---------------------------------------------------------------------- */

struct parse_ctx {
    struct tlbstorm_config *cfg;
    FILE *out;                    /* help, version, listings; may be NULL */
    FILE *err;                    /* error lines; may be NULL */
    const char *opt;              /* the option as spelled ("--machine" of "--machine=virt") */
    int opt_len;
};

/* A handler's non-error result that ends parsing with CMDLINE_EXIT_SUCCESS. */
#define HANDLED_EXIT 1

/* Property values are copied here (NUL-terminated, ",," unescaped) so that argv stays
 * untouched; reset at the start of each cmdline_parse(). */
#define ARENA_SIZE (64 * 1024)
static char arena[ARENA_SIZE];
static size_t arena_used;

/* Errors quote the user's text; control bytes in it (a newline inside an argument) are
 * written as \xNN so that an error stays one line, and at most QUOTE_MAX bytes of it are
 * quoted ("..." after), so that a huge argument cannot make a huge message. */
#define QUOTE_MAX 200

static void put_escaped(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        if (i == QUOTE_MAX) {
            fputs("...", f);
            break;
        }
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\x%02x", c);
        } else {
            fputc(c, f);
        }
    }
}

__attribute__((format(printf, 2, 3)))
static int opt_error(struct parse_ctx *ctx, const char *fmt, ...)
{
    if (ctx->err) {
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        fputs("tlbstorm: ", ctx->err);
        put_escaped(ctx->err, ctx->opt, (size_t)ctx->opt_len);
        fputs(": ", ctx->err);
        if (n >= 0) {
            put_escaped(ctx->err, msg, (size_t)n);
            free(msg);
        } else {
            fputs("out of memory", ctx->err);
        }
        fputc('\n', ctx->err);
    }
    return -EINVAL;
}

/* Reports an error against a fixed option name (checks made after all options are read). */
static void set_opt(struct parse_ctx *ctx, const char *spelled)
{
    ctx->opt = spelled;
    ctx->opt_len = (int)strlen(spelled);
}

__attribute__((format(printf, 2, 3)))
static void out_printf(struct parse_ctx *ctx, const char *fmt, ...)
{
    if (ctx->out) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(ctx->out, fmt, ap);
        va_end(ap);
    }
}

/* ---- property lists: "[implied=]v,key=v,key,..." -------------------------------------- */

struct prop {
    const char *key;
    const char *val;              /* NULL for a bare "key" (a boolean meaning on) */
};

#define MAX_PROPS 16

struct prop_list {
    struct prop p[MAX_PROPS];
    unsigned n;
};

/* Splits `arg` into properties. A first element without '=' gets the key `implied` (if not
 * NULL). Later duplicates are kept; readers take the last one. */
static int split_props(struct parse_ctx *ctx, const char *arg, const char *implied,
                       struct prop_list *list)
{
    const char *s = arg;

    list->n = 0;
    for (;;) {
        char *elem = arena + arena_used;
        size_t len = 0;

        /* copy one element, turning ",," into ',' */
        for (;;) {
            char c;
            if (*s == ',' && s[1] == ',') {
                c = ',';
                s += 2;
            } else if (*s == ',' || *s == '\0') {
                break;
            } else {
                c = *s++;
            }
            if (arena_used + len + 1 >= ARENA_SIZE)      /* keep room for the NUL */
                return opt_error(ctx, "option arguments too long");
            elem[len++] = c;
        }
        elem[len] = '\0';
        arena_used += len + 1;

        if (len == 0)
            return opt_error(ctx, "empty property in '%s'", arg);
        if (list->n == MAX_PROPS)
            return opt_error(ctx, "too many properties in '%s'", arg);

        struct prop *p = &list->p[list->n];
        char *eq = strchr(elem, '=');
        if (eq) {
            *eq = '\0';
            p->key = elem;
            p->val = eq + 1;
            if (*elem == '\0')
                return opt_error(ctx, "property without a name in '%s'", arg);
        } else if (list->n == 0 && implied) {
            p->key = implied;
            p->val = elem;
        } else {
            p->key = elem;
            p->val = NULL;
        }
        list->n++;

        if (*s == '\0')
            return 0;
        s++;                      /* the separating ',' */
    }
}

/* "on"/"off" and QEMU's synonyms; a bare key (NULL) means on. */
static int parse_bool(const char *val, bool *out)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };

    if (!val) {
        *out = true;
        return 0;
    }
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcmp(val, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(val, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* Decimal digits only; no sign, no spaces; rejects values above `max`. */
static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    unsigned long long v = 0;

    if (!s || !*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > max)
            return -ERANGE;
    }
    *out = (unsigned)v;
    return 0;
}

/* QEMU's size syntax: DIGITS[.DIGITS][B|K|M|G|T|P|E], suffix case-insensitive, powers of
 * 1024; no suffix means `default_shift`. A fraction must come to a whole number of bytes.
 * Returns -EINVAL for bad syntax, -ERANGE for overflow, -EDOM for a fractional byte. */
static int parse_size(const char *s, unsigned default_shift, uint64_t *out)
{
    static const char suffixes[] = "BKMGTPE";
    uint64_t ipart = 0, fpart = 0;
    unsigned fdigits = 0, shift = default_shift;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (ipart > (UINT64_MAX - d) / 10)
            return -ERANGE;
        ipart = ipart * 10 + d;
    }
    if (*p == '.') {
        const char *frac = ++p, *end;
        if (*p < '0' || *p > '9')
            return -EINVAL;
        while (*p >= '0' && *p <= '9')
            p++;
        for (end = p; end > frac && end[-1] == '0'; end--)
            ;                     /* trailing zeros change nothing */
        if (end - frac > 19)
            return -EDOM;         /* 10^-20 of even the largest unit is below one byte */
        for (; frac < end; frac++) {
            fpart = fpart * 10 + (uint64_t)(*frac - '0');
            fdigits++;
        }
    }
    if (*p) {
        const char *hit = strchr(suffixes, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        if (!hit || p[1] != '\0')
            return -EINVAL;
        shift = 10 * (unsigned)(hit - suffixes);
    }

    if (shift > 0 && ipart > (UINT64_MAX >> shift))
        return -ERANGE;
    uint64_t bytes = ipart << shift;

    if (fdigits > 0) {
        /* fpart / 10^d units = fpart * 2^shift / (2^d * 5^d) bytes: exact only when 5^d
         * divides fpart and the remaining power of two works out. */
        uint64_t pow5 = 1;
        for (unsigned i = 0; i < fdigits; i++)
            pow5 *= 5;
        if (fpart % pow5 != 0)
            return -EDOM;
        uint64_t f = fpart / pow5;   /* < 2^fdigits */
        uint64_t fbytes;
        if (shift >= fdigits) {
            fbytes = f << (shift - fdigits);
        } else {
            uint64_t div = 1ULL << (fdigits - shift);
            if (f % div != 0)
                return -EDOM;
            fbytes = f / div;
        }
        if (bytes > UINT64_MAX - fbytes)
            return -ERANGE;
        bytes += fbytes;
    }
    *out = bytes;
    return 0;
}

/* "128 MiB", "1536 MiB", "64 GiB", or bytes when not a whole MiB. */
static const char *fmt_size(char *buf, size_t len, uint64_t v)
{
    if (v != 0 && v % (1ULL << 30) == 0)
        snprintf(buf, len, "%llu GiB", (unsigned long long)(v >> 30));
    else if (v % (1ULL << 20) == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(v >> 20));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)v);
    return buf;
}

/* Letters, digits, '-', '.', '_', starting with a letter (QEMU's id rule). */
static bool valid_id(const char *id)
{
    if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
        return false;
    for (; *id; id++) {
        char c = *id;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return false;
    }
    return true;
}

static bool is_help(const char *s)
{
    return strcmp(s, "help") == 0 || strcmp(s, "?") == 0;
}

static int need_file(struct parse_ctx *ctx, const char *arg)
{
    if (*arg == '\0')
        return opt_error(ctx, "empty file name");
    return 0;
}

/* ---- handlers ------------------------------------------------------------------------- */

static int print_help(struct parse_ctx *ctx);

static int h_help(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    return print_help(ctx);
}

static int h_version(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    out_printf(ctx, "tlbstorm version %s (qemu-system-riscv64 compatible command line)\n",
               TLBSTORM_VERSION);
    return HANDLED_EXIT;
}

static int h_machine(struct parse_ctx *ctx, const char *arg)
{
    struct prop_list pl;
    int r = split_props(ctx, arg, "type", &pl);
    if (r < 0)
        return r;

    for (unsigned i = 0; i < pl.n; i++) {
        const struct prop *p = &pl.p[i];
        if (strcmp(p->key, "type") == 0) {
            if (p->val && is_help(p->val)) {
                out_printf(ctx, "Supported machines are:\n"
                                "virt                 RISC-V VirtIO board (default)\n");
                return HANDLED_EXIT;
            }
            if (!p->val || strcmp(p->val, "virt") != 0)
                return opt_error(ctx, "unsupported machine type '%s' (use -machine help)",
                                 p->val ? p->val : "");
            ctx->cfg->machine = "virt";
        } else if (strcmp(p->key, "dumpdtb") == 0) {
            if (!p->val || !*p->val)
                return opt_error(ctx, "dumpdtb needs a file name");
            ctx->cfg->dumpdtb_path = p->val;
        } else if (strcmp(p->key, "accel") == 0) {
            if (!p->val || strcmp(p->val, "tcg") != 0)
                return opt_error(ctx, "unsupported accelerator '%s' (only tcg)",
                                 p->val ? p->val : "");
        } else if (strcmp(p->key, "aclint") == 0) {
            if (parse_bool(p->val, &ctx->cfg->machine_aclint) != 0)
                return opt_error(ctx, "aclint must be on or off, not '%s'", p->val);
        } else {
            return opt_error(ctx, "unknown property '%s'", p->key);
        }
    }
    return 0;
}

/* The satp modes QEMU 8 names as -cpu properties, by satp MODE value. sv64 exists as a
 * property but no hart implements it. */
static const struct {
    const char *name;
    unsigned mode;
} satp_props[] = { { "sv39", 8 }, { "sv48", 9 }, { "sv57", 10 }, { "sv64", 11 } };
#define N_SATP_PROPS (sizeof(satp_props) / sizeof(satp_props[0]))
#define SATP_PROP_MAX_SUPPORTED 10       /* Sv57 */

static const char *satp_mode_name(unsigned mode)
{
    for (size_t i = 0; i < N_SATP_PROPS; i++)
        if (satp_props[i].mode == mode)
            return satp_props[i].name;
    return "bare";
}

/* QEMU 8's resolution (riscv_cpu_satp_mode_finalize) of the sv* properties: the highest mode
 * turned on is the maximum and every lower one is implied; with only "off" settings the
 * maximum is the mode below the lowest one turned off (Bare below Sv39); none set: Sv57.
 * Turning a mode off below one turned on contradicts the spec's "Sv48 implies Sv39". */
static int resolve_satp_max(struct parse_ctx *ctx, unsigned set, unsigned on)
{
    if (on == 0) {
        for (unsigned m = 8; m <= 11; m++)
            if (set & (1u << m)) {
                ctx->cfg->cpu_satp_mode_max = m == 8 ? 0 : m - 1;
                return 0;
            }
        ctx->cfg->cpu_satp_mode_max = SATP_PROP_MAX_SUPPORTED;
        return 0;
    }
    unsigned max = 11;
    while (!(on & (1u << max)))
        max--;
    if (max > SATP_PROP_MAX_SUPPORTED)
        return opt_error(ctx, "satp mode %s is higher than the hart's maximum %s",
                         satp_mode_name(max), satp_mode_name(SATP_PROP_MAX_SUPPORTED));
    for (unsigned m = 8; m < max; m++)
        if ((set & (1u << m)) && !(on & (1u << m)))
            return opt_error(ctx, "cannot disable %s satp mode if %s is enabled",
                             satp_mode_name(m), satp_mode_name(max));
    ctx->cfg->cpu_satp_mode_max = max;
    return 0;
}

/* -cpu MODEL[,PROP=on|off...]. A later -cpu replaces an earlier one, properties included. */
static int h_cpu(struct parse_ctx *ctx, const char *arg)
{
    static const char model_key[] = "model";
    if (is_help(arg)) {
        out_printf(ctx, "Available CPUs:\n"
                        "  max                  RV64GC hart (same as rv64)\n"
                        "  rv64                 RV64GC hart\n"
                        "Properties (=on|off): sstc (default on), svinval, svnapot, svpbmt\n"
                        "  (default off), sv39, sv48, sv57 (default: up to sv57)\n");
        return HANDLED_EXIT;
    }
    struct prop_list pl;
    int r = split_props(ctx, arg, model_key, &pl);
    if (r < 0)
        return r;
    const struct prop *model = &pl.p[0];
    if (model->key != model_key)
        return opt_error(ctx, "unsupported CPU model '%s%s%s' (rv64 or max)", model->key,
                         model->val ? "=" : "", model->val ? model->val : "");
    if (strcmp(model->val, "rv64") != 0 && strcmp(model->val, "max") != 0)
        return opt_error(ctx, "unsupported CPU model '%s' (rv64 or max)", model->val);

    unsigned satp_set = 0, satp_on = 0;
    struct tlbstorm_config *cfg = ctx->cfg;
    /* The extension properties with QEMU 7.2's names and defaults. */
    const struct {
        const char *name;
        bool *value;
        bool dflt;
    } ext_props[] = {
        { "sstc", &cfg->cpu_sstc, true },
        { "svinval", &cfg->cpu_svinval, false },
        { "svnapot", &cfg->cpu_svnapot, false },
        { "svpbmt", &cfg->cpu_svpbmt, false },
    };
    const size_t n_ext = sizeof(ext_props) / sizeof(ext_props[0]);
    for (size_t e = 0; e < n_ext; e++)
        *ext_props[e].value = ext_props[e].dflt;
    for (unsigned i = 1; i < pl.n; i++) {
        const struct prop *p = &pl.p[i];
        bool on;
        size_t k, e;
        for (k = 0; k < N_SATP_PROPS; k++)
            if (strcmp(p->key, satp_props[k].name) == 0)
                break;
        for (e = 0; e < n_ext; e++)
            if (strcmp(p->key, ext_props[e].name) == 0)
                break;
        if (k == N_SATP_PROPS && e == n_ext)
            return opt_error(ctx, "unsupported CPU property '%s' (sstc, svinval, svnapot, "
                             "svpbmt, sv39, sv48, sv57)", p->key);
        if (parse_bool(p->val, &on) != 0)
            return opt_error(ctx, "%s must be on or off, not '%s'", p->key, p->val);
        if (e < n_ext) {
            *ext_props[e].value = on;
        } else {
            unsigned bit = 1u << satp_props[k].mode;
            satp_set |= bit;     /* the last setting of a mode wins */
            satp_on = on ? satp_on | bit : satp_on & ~bit;
        }
    }
    return resolve_satp_max(ctx, satp_set, satp_on);
}

/* QEMU's rule (machines that prefer cores): missing sockets and threads are 1, missing cores
 * fill up maxcpus, missing maxcpus is cpus (or the topology product), missing cpus is
 * maxcpus. The product must equal maxcpus, and without CPU hotplug maxcpus must equal cpus. */
static int h_smp(struct parse_ctx *ctx, const char *arg)
{
    static const char *const keys[] = { "cpus", "maxcpus", "sockets", "cores", "threads" };
    enum { CPUS, MAXCPUS, SOCKETS, CORES, THREADS, NKEYS };
    unsigned v[NKEYS] = { 0 };
    struct prop_list pl;
    int r = split_props(ctx, arg, "cpus", &pl);
    if (r < 0)
        return r;

    for (unsigned i = 0; i < pl.n; i++) {
        const struct prop *p = &pl.p[i];
        unsigned k;
        for (k = 0; k < NKEYS; k++)
            if (strcmp(p->key, keys[k]) == 0)
                break;
        if (k == NKEYS)
            return opt_error(ctx, "unknown property '%s'", p->key);
        if (!p->val)
            return opt_error(ctx, "%s needs a value", p->key);
        r = parse_uint(p->val, UINT32_MAX, &v[k]);
        if (r == -ERANGE || (r == 0 && (v[k] == 0 || v[k] > TLBSTORM_MAX_CPUS)))
            return opt_error(ctx, "%s must be 1..%u, not %s", keys[k], TLBSTORM_MAX_CPUS,
                             p->val);
        if (r < 0)
            return opt_error(ctx, "%s: '%s' is not a number", keys[k], p->val);
    }

    unsigned sockets = v[SOCKETS] ? v[SOCKETS] : 1;
    unsigned threads = v[THREADS] ? v[THREADS] : 1;
    unsigned cores = v[CORES];
    unsigned maxcpus = v[MAXCPUS] ? v[MAXCPUS] : v[CPUS];
    if (!cores)
        cores = maxcpus ? maxcpus / (sockets * threads) : 1;
    unsigned product = sockets * cores * threads;      /* each <= 64: no overflow */
    if (!maxcpus)
        maxcpus = product;
    unsigned cpus = v[CPUS] ? v[CPUS] : maxcpus;

    if (product != maxcpus)
        return opt_error(ctx, "invalid CPU topology: sockets (%u) * cores (%u) * threads (%u) "
                              "!= maxcpus (%u)", sockets, cores, threads, maxcpus);
    if (cpus > maxcpus)
        return opt_error(ctx, "invalid CPU topology: cpus (%u) > maxcpus (%u)", cpus, maxcpus);
    if (cpus != maxcpus)
        return opt_error(ctx, "maxcpus (%u) must equal cpus (%u): CPU hotplug is not supported",
                         maxcpus, cpus);
    if (cpus > TLBSTORM_MAX_CPUS)           /* only a product can get here */
        return opt_error(ctx, "cpus must be 1..%u, not %u", TLBSTORM_MAX_CPUS, cpus);
    ctx->cfg->smp = cpus;
    return 0;
}

static int h_m(struct parse_ctx *ctx, const char *arg)
{
    const char *text = NULL;
    struct prop_list pl;
    char a[32], b[32];
    uint64_t size;
    int r = split_props(ctx, arg, "size", &pl);
    if (r < 0)
        return r;

    for (unsigned i = 0; i < pl.n; i++) {
        const struct prop *p = &pl.p[i];
        if (strcmp(p->key, "size") == 0)
            text = p->val;
        else if (strcmp(p->key, "slots") == 0 || strcmp(p->key, "maxmem") == 0)
            return opt_error(ctx, "memory hotplug (%s) is not supported", p->key);
        else
            return opt_error(ctx, "unknown property '%s'", p->key);
    }
    if (!text || !*text)
        return opt_error(ctx, "missing size");

    r = parse_size(text, 20, &size);
    if (r == -ERANGE)
        return opt_error(ctx, "'%s' is too large", text);
    if (r == -EDOM)
        return opt_error(ctx, "'%s' is not a whole number of bytes", text);
    if (r < 0)
        return opt_error(ctx, "'%s' is not a valid size", text);
    if (size % TLBSTORM_RAM_ALIGN != 0)
        return opt_error(ctx, "'%s' is not a multiple of 1 MiB", text);
    if (size < TLBSTORM_RAM_MIN)
        return opt_error(ctx, "%s is below the minimum of %s", fmt_size(a, sizeof(a), size),
                         fmt_size(b, sizeof(b), TLBSTORM_RAM_MIN));
    if (size > TLBSTORM_RAM_MAX)
        return opt_error(ctx, "%s is above the maximum of %s", fmt_size(a, sizeof(a), size),
                         fmt_size(b, sizeof(b), TLBSTORM_RAM_MAX));
    ctx->cfg->ram_size = size;
    return 0;
}

static int h_accel(struct parse_ctx *ctx, const char *arg)
{
    struct prop_list pl;
    int r = split_props(ctx, arg, "accel", &pl);
    if (r < 0)
        return r;

    for (unsigned i = 0; i < pl.n; i++) {
        const struct prop *p = &pl.p[i];
        if (strcmp(p->key, "accel") == 0) {
            if (p->val && is_help(p->val)) {
                out_printf(ctx, "Accelerators supported in tlbstorm:\ntcg\n");
                return HANDLED_EXIT;
            }
            if (!p->val || strcmp(p->val, "tcg") != 0)
                return opt_error(ctx, "unsupported accelerator '%s' (only tcg)",
                                 p->val ? p->val : "");
        } else if (strcmp(p->key, "thread") == 0) {
            /* Accepted for compatibility; every vCPU always has its own host thread. */
            if (!p->val || (strcmp(p->val, "multi") != 0 && strcmp(p->val, "single") != 0))
                return opt_error(ctx, "thread must be multi or single, not '%s'",
                                 p->val ? p->val : "");
        } else {
            return opt_error(ctx, "unknown property '%s'", p->key);
        }
    }
    return 0;
}

static int h_bios(struct parse_ctx *ctx, const char *arg)
{
    int r = need_file(ctx, arg);
    if (r < 0)
        return r;
    if (strcmp(arg, "none") == 0) {
        ctx->cfg->bios = BIOS_NONE;
        ctx->cfg->bios_path = NULL;
    } else if (strcmp(arg, "default") == 0) {
        ctx->cfg->bios = BIOS_DEFAULT;
        ctx->cfg->bios_path = NULL;
    } else {
        ctx->cfg->bios = BIOS_FILE;
        ctx->cfg->bios_path = arg;
    }
    return 0;
}

static int h_kernel(struct parse_ctx *ctx, const char *arg)
{
    int r = need_file(ctx, arg);
    if (r == 0)
        ctx->cfg->kernel_path = arg;
    return r;
}

static int h_initrd(struct parse_ctx *ctx, const char *arg)
{
    int r = need_file(ctx, arg);
    if (r == 0)
        ctx->cfg->initrd_path = arg;
    return r;
}

static int h_append(struct parse_ctx *ctx, const char *arg)
{
    ctx->cfg->append = arg;
    return 0;
}

static int h_dtb(struct parse_ctx *ctx, const char *arg)
{
    int r = need_file(ctx, arg);
    if (r == 0)
        ctx->cfg->dtb_path = arg;
    return r;
}

static int h_nographic(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    ctx->cfg->nographic = true;
    return 0;
}

static int h_serial(struct parse_ctx *ctx, const char *arg)
{
    if (strcmp(arg, "stdio") != 0 && strcmp(arg, "mon:stdio") != 0)
        return opt_error(ctx, "only stdio is supported (stdio or mon:stdio, not '%s')", arg);
    ctx->cfg->serial_mux = arg[0] == 'm';
    return 0;
}

/* -monitor DEV: checked when the monitor opens it (hw/monitor.c names the exact problem). */
static int h_monitor(struct parse_ctx *ctx, const char *arg)
{
    if (!*arg)
        return opt_error(ctx, "needs a device (unix:PATH,server,nowait or none)");
    ctx->cfg->monitor = strcmp(arg, "none") == 0 ? NULL : arg;
    return 0;
}

static int h_display(struct parse_ctx *ctx, const char *arg)
{
    if (strcmp(arg, "none") != 0)
        return opt_error(ctx, "only none is supported, not '%s'", arg);
    return 0;
}

static int h_no_reboot(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    ctx->cfg->no_reboot = true;
    return 0;
}

static int h_flush(struct parse_ctx *ctx, const char *arg)
{
    if (is_help(arg)) {
        out_printf(ctx, "Flush strategies:\n"
                   "mailbox  per-vCPU mailboxes, idle vCPUs skipped, ASIDs, precise large pages "
                   "(default)\n"
                   "qemu     QEMU 7.2's behaviour, as a baseline for comparisons\n");
        return HANDLED_EXIT;
    }
    if (strcmp(arg, "mailbox") == 0) {
        ctx->cfg->flush_qemu = false;
    } else if (strcmp(arg, "qemu") == 0) {
        ctx->cfg->flush_qemu = true;
    } else {
        return opt_error(ctx, "unknown flush strategy '%s' (mailbox or qemu)", arg);
    }
    return 0;
}

/* --run-slots=auto|off|N */
static int h_run_slots(struct parse_ctx *ctx, const char *arg)
{
    if (strcmp(arg, "auto") == 0) {
        ctx->cfg->run_slots = RUN_SLOTS_AUTO;
        return 0;
    }
    if (strcmp(arg, "off") == 0) {
        ctx->cfg->run_slots = 0;
        return 0;
    }
    unsigned v = 0;
    const char *p = arg;
    while (*p >= '0' && *p <= '9' && v <= TLBSTORM_MAX_CPUS) {
        v = v * 10 + (unsigned)(*p++ - '0');
    }
    if (p == arg || *p || v < 1 || v > TLBSTORM_MAX_CPUS) {
        return opt_error(ctx, "bad slot count '%s' (auto, off or 1..%d)", arg,
                         TLBSTORM_MAX_CPUS);
    }
    ctx->cfg->run_slots = (int)v;
    return 0;
}

/* --jit=on|off */
static int h_jit(struct parse_ctx *ctx, const char *arg)
{
    if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0) {
        ctx->cfg->jit = arg[1] == 'n';
        return 0;
    }
    return opt_error(ctx, "bad value '%s' (on or off)", arg);
}

/* -gdb DEV: tcp::PORT, tcp:HOST:PORT, a bare PORT, or unix:PATH (checked when the stub
 * opens its socket, which names the exact problem). */
static int h_gdb(struct parse_ctx *ctx, const char *arg)
{
    if (!*arg) {
        return opt_error(ctx, "needs a device (tcp::PORT, tcp:HOST:PORT or unix:PATH)");
    }
    if (strcmp(arg, "none") == 0) {
        ctx->cfg->gdb = NULL;
        return 0;
    }
    ctx->cfg->gdb = arg;
    return 0;
}

/* -s: -gdb tcp::1234 (on 127.0.0.1 only, unlike QEMU: no debug port on the network). */
static int h_s(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    ctx->cfg->gdb = "tcp::1234";
    return 0;
}

static int h_S(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    ctx->cfg->start_stopped = true;
    return 0;
}

static int h_perfmap(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    ctx->cfg->perfmap = true;
    return 0;
}

static int h_stats(struct parse_ctx *ctx, const char *arg)
{
    ctx->cfg->stats = true;
    if (arg && !*arg) {
        return opt_error(ctx, "needs a file name after '='");
    }
    ctx->cfg->stats_json = arg;
    return 0;
}

static int h_trace_flush(struct parse_ctx *ctx, const char *arg)
{
    ctx->cfg->trace_flush = arg;
    return 0;
}

static int h_tlb_check(struct parse_ctx *ctx, const char *arg)
{
    if (!arg || strcmp(arg, "report") == 0) {
        ctx->cfg->tlb_check = 1;
    } else if (strcmp(arg, "fatal") == 0) {
        ctx->cfg->tlb_check = 2;
    } else {
        return opt_error(ctx, "'%s' is not report or fatal", arg);
    }
    return 0;
}

static int h_tlb_check_json(struct parse_ctx *ctx, const char *arg)
{
    ctx->cfg->tlb_check_json = arg;
    if (!ctx->cfg->tlb_check) {
        ctx->cfg->tlb_check = 1;  /* JSON reports imply checking */
    }
    return 0;
}

static int h_tlb_retain(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    ctx->cfg->tlb_retain = true;
    return 0;
}

static int h_symbols(struct parse_ctx *ctx, const char *arg)
{
    ctx->cfg->symbols = arg;
    return 0;
}

static int h_no_progress(struct parse_ctx *ctx, const char *arg)
{
    (void)arg;
    ctx->cfg->no_progress = true;
    return 0;
}

/* --remap-test=PERIOD: DIGITS[ns|us|ms|s], milliseconds without a unit. */
static int h_remap_test(struct parse_ctx *ctx, const char *arg)
{
    static const struct { const char *unit; int64_t ns; } units[] = {
        { "", 1000000 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
    };
    const char *p = arg;
    int64_t v = 0;
    while (*p >= '0' && *p <= '9' && v < REMAP_TEST_PERIOD_MAX_NS) {
        v = v * 10 + (*p++ - '0');
    }
    while (*p >= '0' && *p <= '9') {
        p++;                      /* far too large either way */
    }
    for (size_t i = 0; p != arg && i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].unit) == 0) {
            if (v > REMAP_TEST_PERIOD_MAX_NS / units[i].ns ||
                v * units[i].ns < REMAP_TEST_PERIOD_MIN_NS) {
                return opt_error(ctx, "period '%s' out of range (10us..60s)", arg);
            }
            ctx->cfg->remap_test_period_ns = v * units[i].ns;
            return 0;
        }
    }
    return opt_error(ctx, "bad period '%s' (a number with ns, us, ms or s; ms if none)", arg);
}

static const char *const log_item_names[LOG_ITEM_COUNT] = {
    [LOG_IN_ASM] = "in_asm",
    [LOG_EXEC] = "exec",
    [LOG_CPU] = "cpu",
    [LOG_FPU] = "fpu",
    [LOG_INT] = "int",
    [LOG_MMU] = "mmu",
    [LOG_PAGE] = "page",
    [LOG_NOCHAIN] = "nochain",
    [LOG_CPU_RESET] = "cpu_reset",
    [LOG_GUEST_ERRORS] = "guest_errors",
    [LOG_UNIMP] = "unimp",
    [LOG_TID] = "tid",
};

static const char *const log_item_help[LOG_ITEM_COUNT] = {
    [LOG_IN_ASM] = "show the guest instructions of each translated block",
    [LOG_EXEC] = "show each executed block",
    [LOG_CPU] = "show the CPU registers before each executed block",
    [LOG_FPU] = "include the FP registers in the CPU dumps",
    [LOG_INT] = "show traps and interrupts",
    [LOG_MMU] = "show page-table walks and TLB flushes",
    [LOG_PAGE] = "show each TLB fill: vaddr, paddr, page size, rights",
    [LOG_NOCHAIN] = "do not chain blocks, so exec/cpu see every block",
    [LOG_CPU_RESET] = "show the CPU state at each reset",
    [LOG_GUEST_ERRORS] = "log invalid guest accesses (unmapped MMIO, bad registers)",
    [LOG_UNIMP] = "log guest use of unimplemented functionality",
    [LOG_TID] = "open a separate log file per hart (-D FILE with %d: the hart number)",
};

const char *cmdline_log_item_name(enum tlbstorm_log_item item)
{
    if ((unsigned)item >= LOG_ITEM_COUNT)
        return NULL;
    return log_item_names[item];
}

/* Like QEMU, the last -d replaces the earlier ones. */
static int h_d(struct parse_ctx *ctx, const char *arg)
{
    unsigned mask = 0;
    const char *s = arg;

    for (;;) {
        size_t len = strcspn(s, ",");
        unsigned i;

        if (len == 4 && strncmp(s, "help", 4) == 0) {
            out_printf(ctx, "Log items (comma separated):\n");
            for (i = 0; i < LOG_ITEM_COUNT; i++)
                out_printf(ctx, "%-14s %s\n", log_item_names[i], log_item_help[i]);
            return HANDLED_EXIT;
        }
        if (len == 0)
            return opt_error(ctx, "empty log item in '%s'", arg);
        for (i = 0; i < LOG_ITEM_COUNT; i++)
            if (strlen(log_item_names[i]) == len && strncmp(s, log_item_names[i], len) == 0)
                break;
        if (i == LOG_ITEM_COUNT)
            return opt_error(ctx, "unknown log item '%.*s' (use -d help)", (int)len, s);
        mask |= 1u << i;
        if (s[len] == '\0')
            break;
        s += len + 1;
    }
    ctx->cfg->log_mask = mask;
    return 0;
}

static int h_D(struct parse_ctx *ctx, const char *arg)
{
    int r = need_file(ctx, arg);
    if (r == 0)
        ctx->cfg->log_file = arg;
    return r;
}

/* "driver.property=value" or "driver=D,property=P,value=V". */
static int h_global(struct parse_ctx *ctx, const char *arg)
{
    const char *driver = NULL, *property = NULL, *value = NULL;
    struct prop_list pl;
    int r = split_props(ctx, arg, NULL, &pl);
    if (r < 0)
        return r;

    if (pl.n == 1 && strchr(pl.p[0].key, '.')) {
        char *dot = strchr(pl.p[0].key, '.');   /* the key lives in the arena */
        *dot = '\0';
        driver = pl.p[0].key;
        property = dot + 1;
        value = pl.p[0].val;
        if (!value)
            return opt_error(ctx, "missing '=VALUE' in '%s'", arg);
    } else {
        for (unsigned i = 0; i < pl.n; i++) {
            const struct prop *p = &pl.p[i];
            if (strcmp(p->key, "driver") == 0)
                driver = p->val;
            else if (strcmp(p->key, "property") == 0)
                property = p->val;
            else if (strcmp(p->key, "value") == 0)
                value = p->val;
            else
                return opt_error(ctx, "expected DRIVER.PROPERTY=VALUE, not '%s'", arg);
        }
        if (!driver || !property || !value)
            return opt_error(ctx, "expected DRIVER.PROPERTY=VALUE, not '%s'", arg);
    }

    if (strcmp(driver, "virtio-mmio") != 0 || strcmp(property, "force-legacy") != 0)
        return opt_error(ctx, "unsupported global property '%s.%s' "
                              "(only virtio-mmio.force-legacy)", driver, property);
    if (parse_bool(value, &ctx->cfg->virtio_mmio_force_legacy) < 0)
        return opt_error(ctx, "virtio-mmio.force-legacy must be on or off, not '%s'", value);
    return 0;
}

static int h_drive(struct parse_ctx *ctx, const char *arg)
{
    struct tlbstorm_config *cfg = ctx->cfg;
    struct tlbstorm_drive d = { .format = "raw", .interface = "virtio" };
    struct prop_list pl;
    int r = split_props(ctx, arg, NULL, &pl);
    if (r < 0)
        return r;

    for (unsigned i = 0; i < pl.n; i++) {
        const struct prop *p = &pl.p[i];
        if (strcmp(p->key, "readonly") == 0) {
            if (parse_bool(p->val, &d.readonly) < 0)
                return opt_error(ctx, "readonly must be on or off, not '%s'", p->val);
            continue;
        }
        if (!p->val) {
            if (strcmp(p->key, "file") == 0 || strcmp(p->key, "if") == 0 ||
                strcmp(p->key, "format") == 0 || strcmp(p->key, "id") == 0)
                return opt_error(ctx, "%s needs a value", p->key);
            return opt_error(ctx, "unknown property '%s'", p->key);
        }
        if (strcmp(p->key, "file") == 0) {
            d.file = p->val;
        } else if (strcmp(p->key, "if") == 0) {
            if (strcmp(p->val, "none") == 0)
                d.interface = "none";
            else if (strcmp(p->val, "virtio") == 0)
                d.interface = "virtio";
            else
                return opt_error(ctx, "unsupported interface if=%s (none or virtio)", p->val);
        } else if (strcmp(p->key, "format") == 0) {
            if (strcmp(p->val, "raw") != 0)
                return opt_error(ctx, "unsupported format '%s' (only raw)", p->val);
        } else if (strcmp(p->key, "id") == 0) {
            if (!valid_id(p->val))
                return opt_error(ctx, "invalid id '%s' (a letter, then letters, digits, "
                                      "'-', '.' or '_')", p->val);
            d.id = p->val;
        } else {
            return opt_error(ctx, "unknown property '%s'", p->key);
        }
    }
    if (!d.file || !*d.file)
        return opt_error(ctx, "file= is required");
    for (unsigned i = 0; d.id && i < cfg->n_drives; i++)
        if (cfg->drives[i].id && strcmp(cfg->drives[i].id, d.id) == 0)
            return opt_error(ctx, "duplicate drive id '%s'", d.id);
    if (cfg->n_drives == TLBSTORM_MAX_DRIVES)
        return opt_error(ctx, "too many drives (at most %u)", TLBSTORM_MAX_DRIVES);
    cfg->drives[cfg->n_drives++] = d;
    return 0;
}

static bool valid_bus(const char *bus)
{
    static const char prefix[] = "virtio-mmio-bus.";
    unsigned n;

    if (strncmp(bus, prefix, sizeof(prefix) - 1) != 0)
        return false;
    bus += sizeof(prefix) - 1;
    return bus[0] != '\0' && bus[1] == '\0' &&
           parse_uint(bus, TLBSTORM_VIRTIO_MMIO_SLOTS - 1, &n) == 0;
}

static int h_device(struct parse_ctx *ctx, const char *arg)
{
    struct tlbstorm_config *cfg = ctx->cfg;
    struct tlbstorm_device dev = { 0 };
    struct prop_list pl;
    int r = split_props(ctx, arg, "driver", &pl);
    if (r < 0)
        return r;

    for (unsigned i = 0; i < pl.n; i++) {
        const struct prop *p = &pl.p[i];
        if (strcmp(p->key, "driver") == 0) {
            if (p->val && is_help(p->val)) {
                out_printf(ctx, "Storage devices:\n"
                                "name \"virtio-blk-device\", bus virtio-bus\n");
                return HANDLED_EXIT;
            }
            if (!p->val || strcmp(p->val, "virtio-blk-device") != 0)
                return opt_error(ctx, "unsupported device '%s' (only virtio-blk-device)",
                                 p->val ? p->val : "");
            dev.driver = "virtio-blk-device";
        } else if (strcmp(p->key, "drive") == 0) {
            if (!p->val || !*p->val)
                return opt_error(ctx, "drive needs a value");
            dev.drive_id = p->val;
        } else if (strcmp(p->key, "bus") == 0) {
            if (!p->val || !valid_bus(p->val))
                return opt_error(ctx, "unsupported bus '%s' (virtio-mmio-bus.0 to "
                                      "virtio-mmio-bus.%u)", p->val ? p->val : "",
                                 TLBSTORM_VIRTIO_MMIO_SLOTS - 1);
            dev.bus = p->val;
        } else {
            return opt_error(ctx, "unknown property '%s'", p->key);
        }
    }
    if (!dev.driver)
        return opt_error(ctx, "missing device name (virtio-blk-device)");
    if (!dev.drive_id)
        return opt_error(ctx, "drive= is required");
    if (cfg->n_devices == TLBSTORM_MAX_DEVICES)
        return opt_error(ctx, "too many devices (at most %u)", TLBSTORM_MAX_DEVICES);
    cfg->devices[cfg->n_devices++] = dev;
    return 0;
}

/* ---- the option table ----------------------------------------------------------------- */

enum opt_arg {
    ARG_NONE,                     /* "-nographic" */
    ARG_REQUIRED,                 /* "-m 256" or "-m=256" */
    ARG_OPTIONAL,                 /* "--stats" or "--stats=FILE" (never the next word) */
};

struct option_def {
    const char *name;             /* without dashes */
    const char *alias;            /* second name or NULL */
    enum opt_arg arg;
    int (*handle)(struct parse_ctx *ctx, const char *arg);  /* arg NULL when absent */
    const char *args;             /* argument form for the help text */
    const char *help;             /* one line */
};

static const struct option_def option_table[] = {
    { "help", "h", ARG_NONE, h_help, "", "print this help and exit" },
    { "version", NULL, ARG_NONE, h_version, "", "print the version and exit" },
    { "machine", "M", ARG_REQUIRED, h_machine, "virt[,dumpdtb=FILE][,accel=tcg][,aclint=on]",
      "machine (only virt; 'help' lists); dumpdtb writes the DTB and exits" },
    { "cpu", NULL, ARG_REQUIRED, h_cpu, "rv64|max[,sstc=on|off][,sv39|sv48|sv57=on|off]",
      "CPU model (both are the RV64GC hart); Sstc, highest satp mode" },
    { "smp", NULL, ARG_REQUIRED, h_smp, "[cpus=]N[,maxcpus=N,sockets=S,cores=C,threads=T]",
      "number of vCPUs, 1..64 (default 1)" },
    { "m", NULL, ARG_REQUIRED, h_m, "[size=]SIZE[K|M|G|T]",
      "guest RAM, plain number in MiB, 16M..64G (default 128M)" },
    { "accel", NULL, ARG_REQUIRED, h_accel, "tcg[,thread=multi|single]",
      "accelerator (only tcg)" },
    { "bios", NULL, ARG_REQUIRED, h_bios, "FILE|none|default",
      "M-mode firmware at 0x80000000 (default: the built-in default)" },
    { "kernel", NULL, ARG_REQUIRED, h_kernel, "FILE", "kernel image (ELF or raw)" },
    { "initrd", NULL, ARG_REQUIRED, h_initrd, "FILE", "initial ram disk (needs -kernel)" },
    { "append", NULL, ARG_REQUIRED, h_append, "STR", "kernel command line (needs -kernel)" },
    { "dtb", NULL, ARG_REQUIRED, h_dtb, "FILE", "use this device tree instead of generating one" },
    { "nographic", NULL, ARG_NONE, h_nographic, "", "no display; serial on stdio (the default)" },
    { "serial", NULL, ARG_REQUIRED, h_serial, "stdio|mon:stdio", "serial port backend" },
    { "monitor", NULL, ARG_REQUIRED, h_monitor, "unix:PATH,server,nowait|tcp:[HOST]:PORT,server,nowait|none",
      "monitor on a socket (commands: help)" },
    { "display", NULL, ARG_REQUIRED, h_display, "none", "display backend (only none)" },
    { "no-reboot", NULL, ARG_NONE, h_no_reboot, "", "exit instead of resetting the guest" },
    { "flush", NULL, ARG_REQUIRED, h_flush, "mailbox|qemu",
      "TLB shootdown strategy (tlbstorm only; 'help' lists)" },
    { "run-slots", NULL, ARG_REQUIRED, h_run_slots, "auto|off|N",
      "at most N vCPUs in guest code at once (tlbstorm only; auto: host CPUs)" },
    { "jit", NULL, ARG_REQUIRED, h_jit, "on|off",
      "compile guest code to x86-64 host code, or only interpret (tlbstorm only)" },
    { "gdb", NULL, ARG_REQUIRED, h_gdb, "tcp::PORT|tcp:HOST:PORT|unix:PATH|none",
      "wait for a GDB connection there (host default 127.0.0.1)" },
    { "s", NULL, ARG_NONE, h_s, "", "shorthand for -gdb tcp::1234 (127.0.0.1)" },
    { "S", NULL, ARG_NONE, h_S, "", "do not start the CPUs until a debugger continues them" },
    { "perfmap", NULL, ARG_NONE, h_perfmap, "",
      "write /tmp/perf-PID.map: perf names compiled code by guest pc (as QEMU 8.1)" },
    { "stats", NULL, ARG_OPTIONAL, h_stats, "FILE.json",
      "at exit: flush statistics on stderr, or as JSON to FILE (tlbstorm only)" },
    { "trace-flush", NULL, ARG_REQUIRED, h_trace_flush, "FILE",
      "write one line per TLB flush request to FILE (tlbstorm only)" },
    { "tlb-check", NULL, ARG_OPTIONAL, h_tlb_check, "report|fatal",
      "report the guest's missing TLB fences; fatal: stop at the first (tlbstorm only)" },
    { "tlb-check-json", NULL, ARG_REQUIRED, h_tlb_check_json, "FILE",
      "also write --tlb-check reports to FILE as JSON lines (tlbstorm only)" },
    { "tlb-retain", NULL, ARG_NONE, h_tlb_retain, "",
      "keep TLB entries as long as the spec allows, no eviction (tlbstorm only)" },
    { "symbols", NULL, ARG_REQUIRED, h_symbols, "FILE",
      "ELF or System.map naming the pcs of --tlb-check reports (tlbstorm only)" },
    { "no-progress", NULL, ARG_NONE, h_no_progress, "",
      "no progress line on stderr, even on a terminal (tlbstorm only)" },
    { "remap-test", NULL, ARG_REQUIRED, h_remap_test, "PERIOD",
      "debug: move a test device's window every PERIOD, changing the memory map (tlbstorm only)" },
    { "d", NULL, ARG_REQUIRED, h_d, "ITEM[,ITEM...]", "enable log items ('-d help' lists)" },
    { "D", NULL, ARG_REQUIRED, h_D, "FILE", "write the log to FILE instead of stderr" },
    { "global", NULL, ARG_REQUIRED, h_global, "virtio-mmio.force-legacy=on|off",
      "use legacy (version 1) virtio-mmio transports (default off)" },
    { "drive", NULL, ARG_REQUIRED, h_drive,
      "file=FILE[,if=none|virtio][,format=raw][,id=ID][,readonly=on]",
      "raw disk image (at most 8)" },
    { "device", NULL, ARG_REQUIRED, h_device,
      "virtio-blk-device,drive=ID[,bus=virtio-mmio-bus.N]",
      "virtio block device for an if=none drive (at most 8)" },
};

#define N_OPTIONS (sizeof(option_table) / sizeof(option_table[0]))

static int print_help(struct parse_ctx *ctx)
{
    out_printf(ctx, "usage: tlbstorm [options]\n"
                    "A multithreaded RISC-V RV64GC system emulator; the options follow "
                    "qemu-system-riscv64.\n"
                    "Options take '-' or '--'; an argument may also follow '='.\n\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &option_table[i];
        char left[128];
        snprintf(left, sizeof(left), "-%s%s%s%s%s%s%s", o->name,
                 o->alias ? ", -" : "", o->alias ? o->alias : "",
                 o->arg == ARG_REQUIRED ? " " : "",
                 o->arg == ARG_OPTIONAL ? "[=" : "", o->args,
                 o->arg == ARG_OPTIONAL ? "]" : "");
        out_printf(ctx, "  %-34s %s\n", left, o->help);
    }
    out_printf(ctx, "\nExit status: 0 on success, 1 on a command-line or startup error.\n");
    return HANDLED_EXIT;
}

static const struct option_def *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &option_table[i];
        if ((strlen(o->name) == len && strncmp(o->name, name, len) == 0) ||
            (o->alias && strlen(o->alias) == len && strncmp(o->alias, name, len) == 0))
            return o;
    }
    return NULL;
}

/* ---- checks across options ------------------------------------------------------------ */

static int check_config(struct parse_ctx *ctx)
{
    struct tlbstorm_config *cfg = ctx->cfg;

    if (cfg->initrd_path && !cfg->kernel_path) {
        set_opt(ctx, "-initrd");
        return opt_error(ctx, "only allowed with -kernel");
    }
    if (cfg->append && !cfg->kernel_path) {
        set_opt(ctx, "-append");
        return opt_error(ctx, "only allowed with -kernel");
    }
    if (cfg->start_stopped && !cfg->gdb && !cfg->monitor) {
        set_opt(ctx, "-S");
        return opt_error(ctx, "needs -gdb, -s or -monitor: nothing else can start the CPUs");
    }

    set_opt(ctx, "-device");
    for (unsigned i = 0; i < cfg->n_devices; i++) {
        const struct tlbstorm_device *dev = &cfg->devices[i];
        const struct tlbstorm_drive *drv = NULL;

        for (unsigned j = 0; j < cfg->n_drives; j++)
            if (cfg->drives[j].id && strcmp(cfg->drives[j].id, dev->drive_id) == 0)
                drv = &cfg->drives[j];
        if (!drv)
            return opt_error(ctx, "drive '%s' not found", dev->drive_id);
        if (strcmp(drv->interface, "none") != 0)
            return opt_error(ctx, "drive '%s' is already attached by if=%s (use if=none)",
                             dev->drive_id, drv->interface);
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(cfg->devices[j].drive_id, dev->drive_id) == 0)
                return opt_error(ctx, "drive '%s' is used by two devices", dev->drive_id);
            if (dev->bus && cfg->devices[j].bus && strcmp(cfg->devices[j].bus, dev->bus) == 0)
                return opt_error(ctx, "bus '%s' is used by two devices", dev->bus);
        }
    }
    return 0;
}

/* ---- entry point ---------------------------------------------------------------------- */

static void set_defaults(struct tlbstorm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->machine = "virt";
    cfg->smp = 1;
    cfg->run_slots = RUN_SLOTS_AUTO;
    cfg->jit = true;
    cfg->ram_size = TLBSTORM_RAM_DEFAULT;
    cfg->cpu_sstc = true;
    cfg->cpu_satp_mode_max = SATP_PROP_MAX_SUPPORTED;
    cfg->bios = BIOS_DEFAULT;
    cfg->nographic = true;
    cfg->serial_mux = true;
}

enum cmdline_status cmdline_parse(int argc, char **argv, struct tlbstorm_config *cfg,
                                  FILE *out, FILE *err)
{
    struct parse_ctx ctx = { .cfg = cfg, .out = out, .err = err };

    set_defaults(cfg);
    arena_used = 0;

    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        const char *name, *arg = NULL;
        size_t name_len;
        int r;

        if (word[0] != '-' || word[1] == '\0') {
            ctx.opt = word;
            ctx.opt_len = (int)strlen(word);
            opt_error(&ctx, "disk image arguments are not supported (use -drive)");
            return CMDLINE_ERROR;
        }
        name = word + (word[1] == '-' ? 2 : 1);
        name_len = strcspn(name, "=");
        ctx.opt = word;
        ctx.opt_len = (int)(name - word + name_len);
        if (name[name_len] == '=')
            arg = name + name_len + 1;

        const struct option_def *o = find_option(name, name_len);
        if (!o || name_len == 0) {
            if (name_len == 0)
                ctx.opt_len = (int)strlen(word);     /* "--" or "-=x": show it all */
            opt_error(&ctx, "unsupported option");
            return CMDLINE_ERROR;
        }
        if (o->arg == ARG_NONE && arg) {
            opt_error(&ctx, "takes no argument");
            return CMDLINE_ERROR;
        }
        if (o->arg == ARG_REQUIRED && !arg) {
            if (i + 1 >= argc) {
                opt_error(&ctx, "requires an argument");
                return CMDLINE_ERROR;
            }
            arg = argv[++i];
        }

        r = o->handle(&ctx, arg);
        if (r < 0)
            return CMDLINE_ERROR;
        if (r == HANDLED_EXIT)
            return CMDLINE_EXIT_SUCCESS;
    }

    if (check_config(&ctx) < 0)
        return CMDLINE_ERROR;
    return CMDLINE_RUN;
}
