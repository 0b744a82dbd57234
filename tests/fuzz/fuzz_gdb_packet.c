/* libFuzzer target: the GDB remote protocol framing (util/gdb_packet.c), what the gdbstub
 * feeds every byte a debugger sends through. Whatever the bytes: no crash or out-of-bounds
 * access; every packet fits GDB_PACKET_MAX and is NUL-terminated; framing a received body and
 * feeding the frame to a fresh reader gives the same body back with a good checksum; the hex
 * helpers stay inside the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/gdb_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static GdbPacketReader rx, echo;
static char framed[2 * GDB_PACKET_MAX + 8];

static void check_round_trip(const char *body, size_t len)
{
    size_t n = gdb_packet_frame(body, len, framed, sizeof(framed));
    if (n == 0) {
        abort();            /* the buffer holds any escaped body */
    }
    gdb_packet_reader_init(&echo);
    enum gdb_rx_event last = GDB_RX_NONE;
    for (size_t i = 0; i < n; i++) {
        last = gdb_packet_feed(&echo, (uint8_t)framed[i]);
        if (last != GDB_RX_NONE && i + 1 != n) {
            abort();        /* an event before the frame's end */
        }
    }
    if (last != GDB_RX_PACKET || echo.len != len || memcmp(echo.buf, body, len) != 0) {
        abort();
    }
}

static void poke_hex(const char *body, size_t len)
{
    const char *p = body;
    uint64_t v;
    while (*p && gdb_parse_hex(&p, &v)) {
        if (p > body + len) {
            abort();
        }
        if (*p) {
            p++;
        }
    }
    uint8_t bytes[64];
    size_t n = len / 2 < sizeof(bytes) ? len / 2 : sizeof(bytes);
    (void)gdb_hex_decode(body, n, bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gdb_packet_reader_init(&rx);
    for (size_t i = 0; i < size; i++) {
        if (gdb_packet_feed(&rx, data[i]) != GDB_RX_PACKET) {
            continue;
        }
        if (rx.len > GDB_PACKET_MAX || rx.buf[rx.len] != '\0') {
            abort();
        }
        check_round_trip(rx.buf, rx.len);
        poke_hex(rx.buf, rx.len);
    }
    return 0;
}
