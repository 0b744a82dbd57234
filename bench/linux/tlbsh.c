/* tlbsh: a tiny line-oriented shell for the Linux guests of bench/linux (init of the ext2
 * root image, /bin/tlbsh in the initramfs).
 *
 * It exists to drive the guest interactively through the 8250 UART: it reads lines from its
 * standard input (the console tty, whose canonical mode echoes what is typed, so the echo a
 * user sees comes from Linux's line discipline, not from us) and runs built-in commands.
 * No pipes, no globbing, no quoting beyond "double quotes": enough to write a file, read one
 * back, look at /proc and run the shootdown benchmark, with no libc shell in the image.
 *
 * As pid 1 it mounts /proc and /sys, and `poweroff`, `reboot` and end of input sync and
 * remount / read-only first, so the ext2 image is clean when the host reads it back.
 *
 * Kernel command line: tlbsh_banner=TEXT is printed at start (scripts wait for it).
 * Build: riscv64-linux-gnu-gcc -O2 -static -o tlbsh tlbsh.c */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 1024
#define MAX_ARGS 32

static int pid1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static int fail(const char *what, const char *arg)
{
    say("tlbsh: %s: %s: %s\n", what, arg, strerror(errno));
    return 1;
}

/* Splits LINE in place into words separated by blanks; "..." groups blanks into one word.
 * Returns the number of words, or -1 for an unterminated quote. */
static int split(char *line, char **argv)
{
    int argc = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0' || argc == MAX_ARGS - 1)
            break;
        char *out = p;
        argv[argc++] = out;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            if (*p == '"') {
                char *end = strchr(p + 1, '"');
                if (!end)
                    return -1;
                size_t n = (size_t)(end - p - 1);
                memmove(out, p + 1, n);
                out += n;
                p = end + 1;
            } else {
                *out++ = *p++;
            }
        }
        char *next = *p ? p + 1 : p;
        *out = '\0';
        p = next;
    }
    argv[argc] = NULL;
    return argc;
}

/* echo WORDS... [> FILE | >> FILE] */
static int cmd_echo(int argc, char **argv)
{
    int fd = STDOUT_FILENO, end = argc;
    if (argc >= 3 && (!strcmp(argv[argc - 2], ">") || !strcmp(argv[argc - 2], ">>"))) {
        int flags = O_WRONLY | O_CREAT | (argv[argc - 2][1] ? O_APPEND : O_TRUNC);
        fd = open(argv[argc - 1], flags, 0644);
        if (fd < 0)
            return fail("echo", argv[argc - 1]);
        end = argc - 2;
    }
    char buf[MAX_LINE + 2];
    size_t n = 0;
    for (int i = 1; i < end; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i > 1 ? " " : "", argv[i]);
    buf[n++] = '\n';
    int rc = write(fd, buf, n) == (ssize_t)n ? 0 : fail("echo", "write");
    if (fd != STDOUT_FILENO && close(fd) != 0)
        rc = fail("echo", argv[argc - 1]);
    return rc;
}

static int cmd_cat(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            rc = fail("cat", argv[i]);
            continue;
        }
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
            if (write(STDOUT_FILENO, buf, (size_t)n) != n)
                break;
        close(fd);
    }
    return rc;
}

static int cmd_ls(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    DIR *d = opendir(dir);
    if (!d)
        return fail("ls", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            say("%s%s\n", e->d_name, e->d_type == DT_DIR ? "/" : "");
    closedir(d);
    return 0;
}

/* Runs PATH with ARGS in a child and waits for it. */
static int run(char **argv)
{
    pid_t pid = fork();
    if (pid < 0)
        return fail("fork", argv[0]);
    if (pid == 0) {
        execv(argv[0], argv);
        fail("exec", argv[0]);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return fail("wait", argv[0]);
    if (WIFSIGNALED(status)) {
        say("tlbsh: %s: killed by signal %d\n", argv[0], WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

/* tlbshoot [ITERS]: the shootdown benchmark, with its iterations in its environment. */
static int cmd_tlbshoot(int argc, char **argv)
{
    if (argc > 1)
        setenv("tlbshoot_iters", argv[1], 1);
    char *args[] = { "/init", NULL };   /* tlbshoot is /init in both images */
    return run(args);
}

/* Leaves the file system clean (as an unmount would) before the machine goes away. */
static void quiesce(void)
{
    sync();
    if (pid1 && mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0 && errno != EINVAL)
        say("tlbsh: remount / read-only: %s\n", strerror(errno));
}

static __attribute__((noreturn)) void halt(int how)
{
    quiesce();
    if (!pid1)
        exit(0);
    reboot(how);
    fail("reboot", how == RB_AUTOBOOT ? "restart" : "power off");
    for (;;)
        pause();
}

static void cmd_help(void)
{
    say("commands: echo WORDS [> FILE|>> FILE], cat FILE..., ls [DIR], mkdir DIR, rm FILE,\n"
        "          sync, uname, uptime, tlbshoot [ITERS], run PATH [ARGS], poweroff, reboot, exit\n");
}

static int execute(int argc, char **argv)
{
    const char *c = argv[0];
    if (!strcmp(c, "echo"))
        return cmd_echo(argc, argv);
    if (!strcmp(c, "cat"))
        return cmd_cat(argc, argv);
    if (!strcmp(c, "ls"))
        return cmd_ls(argc, argv);
    if (!strcmp(c, "mkdir") && argc == 2)
        return mkdir(argv[1], 0755) == 0 ? 0 : fail("mkdir", argv[1]);
    if (!strcmp(c, "rm") && argc == 2)
        return unlink(argv[1]) == 0 ? 0 : fail("rm", argv[1]);
    if (!strcmp(c, "sync")) {
        sync();
        return 0;
    }
    if (!strcmp(c, "uname")) {
        struct utsname u;
        uname(&u);
        say("%s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
        return 0;
    }
    if (!strcmp(c, "uptime")) {
        struct timespec ts;
        clock_gettime(CLOCK_BOOTTIME, &ts);
        say("%.3f s\n", ts.tv_sec + ts.tv_nsec / 1e9);
        return 0;
    }
    if (!strcmp(c, "tlbshoot"))
        return cmd_tlbshoot(argc, argv);
    if (!strcmp(c, "run") && argc >= 2)
        return run(argv + 1);
    if (!strcmp(c, "poweroff") || !strcmp(c, "exit"))
        halt(RB_POWER_OFF);
    if (!strcmp(c, "reboot"))
        halt(RB_AUTOBOOT);
    if (!strcmp(c, "help")) {
        cmd_help();
        return 0;
    }
    say("tlbsh: %s: unknown command (try help)\n", c);
    return 127;
}

int main(void)
{
    pid1 = getpid() == 1;
    if (pid1) {
        mount("proc", "/proc", "proc", 0, NULL);   /* absent mount points: no /proc, fine */
        mount("sysfs", "/sys", "sysfs", 0, NULL);
        setenv("PATH", "/bin:/sbin", 1);
    }
    const char *banner = getenv("tlbsh_banner");
    say("tlbsh: ready%s%s (pid %d)\n", banner ? " " : "", banner ? banner : "", (int)getpid());

    char line[MAX_LINE];
    int status = 0;
    for (;;) {
        say("tlbsh%s ", status ? "!" : "#");
        if (!fgets(line, sizeof line, stdin))
            break;
        char *argv[MAX_ARGS];
        int argc = split(line, argv);
        if (argc < 0) {
            say("tlbsh: unterminated quote\n");
            status = 2;
        } else if (argc > 0) {
            status = execute(argc, argv);
        }
    }
    say("\n");
    halt(RB_POWER_OFF);
}
