/* GDB remote serial protocol framing: turns the bytes a debugger sends into packets, interrupt
 * requests and acknowledgements, frames replies, and converts hex. Pure functions over caller
 * buffers: no I/O, no allocation, no global state (fuzzed by tests/fuzz/fuzz_gdb_packet.c).
 * Callers: any thread, each with its own GdbPacketReader. Locking: none. */
#ifndef UTIL_GDB_PACKET_H
#define UTIL_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest packet body accepted, after escapes are decoded (announced as PacketSize).
 * Large enough for a 'G' packet of every register and for 2 KiB memory transfers. */
#define GDB_PACKET_MAX 8192

enum gdb_rx_event {
    GDB_RX_NONE,            /* byte consumed, nothing complete yet */
    GDB_RX_PACKET,          /* a packet with a good checksum: body in buf, len bytes */
    GDB_RX_BAD_CHECKSUM,    /* a complete packet whose checksum did not match: send '-' */
    GDB_RX_TOO_LONG,        /* a packet longer than GDB_PACKET_MAX: dropped, send '-' */
    GDB_RX_INTERRUPT,       /* 0x03 outside a packet: Ctrl-C */
    GDB_RX_ACK,             /* '+' outside a packet */
    GDB_RX_NACK,            /* '-' outside a packet: resend the last reply */
};

typedef struct GdbPacketReader {
    enum { GDB_RX_IDLE, GDB_RX_BODY, GDB_RX_CSUM_HI, GDB_RX_CSUM_LO } state;
    bool escaped;           /* the previous body byte was '}' */
    bool overflow;          /* more than GDB_PACKET_MAX body bytes */
    uint8_t sum;            /* of the raw body bytes, modulo 256 */
    uint8_t csum_hi;        /* first checksum digit's value */
    size_t len;
    char buf[GDB_PACKET_MAX + 1];   /* decoded body, NUL-terminated after GDB_RX_PACKET */
} GdbPacketReader;

void gdb_packet_reader_init(GdbPacketReader *r);

/* Feeds one byte received from the debugger. Bytes outside a packet other than '$', '+',
 * '-' and 0x03 are ignored. A '$' inside a packet starts a new one (the debugger gave up on
 * the old one). */
enum gdb_rx_event gdb_packet_feed(GdbPacketReader *r, uint8_t byte);

/* Frames body[0..len) as "$body#cc" into out, escaping '#', '$', '}' and '*' as '}' followed
 * by the byte XOR 0x20. Returns the framed length, or 0 if out_size is too small. */
size_t gdb_packet_frame(const void *body, size_t len, char *out, size_t out_size);

/* Hex digit value, or -1. */
int gdb_hex_digit(int c);

/* Writes 2 * n lowercase hex digits for bytes[0..n) into out (no terminator). */
void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out);

/* Decodes exactly 2 * n hex digits from in into bytes[0..n); false on a non-hex digit. */
bool gdb_hex_decode(const char *in, size_t n, uint8_t *bytes);

/* Parses a hex number of 1..16 digits at *p, advancing *p past it; false if there is no
 * digit or more than 16 (an address or length gdb sends never needs more). */
bool gdb_parse_hex(const char **p, uint64_t *value);

#endif
