/* libFuzzer target: the command-line parser. The input is split at NUL bytes into argv[1..]
 * (at most 64 arguments). Whatever the arguments, cmdline_parse must return one of its three
 * statuses without crashing, reading out of bounds or exiting, and an error must come with
 * exactly one line of text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/cmdline.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf) {
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[MAX_ARGS + 2] = { "tlbstorm" };
    int argc = 1;
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; ) {
        argv[argc++] = &buf[i];
        i += strlen(&buf[i]) + 1;
    }
    argv[argc] = NULL;
    char errtext[4096] = "";
    FILE *err = fmemopen(errtext, sizeof(errtext) - 1, "w");
    FILE *out = fopen("/dev/null", "w");
    struct tlbstorm_config cfg;
    enum cmdline_status st = cmdline_parse(argc, argv, &cfg, out, err);
    if (err) {
        fclose(err);
    }
    if (out) {
        fclose(out);
    }
    if (st != CMDLINE_RUN && st != CMDLINE_EXIT_SUCCESS && st != CMDLINE_ERROR) {
        abort();
    }
    if (st == CMDLINE_ERROR) {
        /* One line: "tlbstorm: ...\n" and nothing after it. */
        char *nl = strchr(errtext, '\n');
        if (strncmp(errtext, "tlbstorm: ", 10) != 0 || !nl || nl[1] != 0) {
            abort();
        }
    }
    free(buf);
    return 0;
}
