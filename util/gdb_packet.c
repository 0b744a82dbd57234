/* GDB remote serial protocol framing (see util/gdb_packet.h). The checksum covers the raw
 * body bytes as sent (escape bytes included); escapes are decoded into the buffer. */
#include "util/gdb_packet.h"

#include <string.h>

#include "util/hex.h"

void gdb_packet_reader_init(GdbPacketReader *r)
{
    r->state = GDB_RX_IDLE;
    r->escaped = false;
    r->overflow = false;
    r->sum = 0;
    r->csum_hi = 0;
    r->len = 0;
    r->buf[0] = '\0';
}

int gdb_hex_digit(int c)
{
    return hex_digit_value(c);
}

static void start_packet(GdbPacketReader *r)
{
    r->state = GDB_RX_BODY;
    r->escaped = false;
    r->overflow = false;
    r->sum = 0;
    r->len = 0;
}

enum gdb_rx_event gdb_packet_feed(GdbPacketReader *r, uint8_t byte)
{
    switch (r->state) {
    case GDB_RX_IDLE:
        switch (byte) {
        case '$': start_packet(r); return GDB_RX_NONE;
        case '+': return GDB_RX_ACK;
        case '-': return GDB_RX_NACK;
        case 0x03: return GDB_RX_INTERRUPT;
        default: return GDB_RX_NONE;
        }
    case GDB_RX_BODY:
        if (byte == '$') {
            start_packet(r);
            return GDB_RX_NONE;
        }
        if (byte == '#') {
            r->state = GDB_RX_CSUM_HI;
            return GDB_RX_NONE;
        }
        r->sum = (uint8_t)(r->sum + byte);
        if (!r->escaped && byte == '}') {
            r->escaped = true;
            return GDB_RX_NONE;
        }
        if (r->escaped) {
            byte ^= 0x20;
            r->escaped = false;
        }
        if (r->len < GDB_PACKET_MAX) {
            r->buf[r->len++] = (char)byte;
        } else {
            r->overflow = true;
        }
        return GDB_RX_NONE;
    case GDB_RX_CSUM_HI: {
        int d = gdb_hex_digit(byte);
        r->csum_hi = (uint8_t)(d < 0 ? 0xff : d);
        r->state = GDB_RX_CSUM_LO;
        return GDB_RX_NONE;
    }
    case GDB_RX_CSUM_LO: {
        int d = gdb_hex_digit(byte);
        r->state = GDB_RX_IDLE;
        if (r->overflow) {
            r->len = 0;
            r->buf[0] = '\0';
            return GDB_RX_TOO_LONG;
        }
        if (d < 0 || r->csum_hi > 0xf || (uint8_t)(r->csum_hi << 4 | d) != r->sum) {
            return GDB_RX_BAD_CHECKSUM;
        }
        r->buf[r->len] = '\0';
        return GDB_RX_PACKET;
    }
    }
    return GDB_RX_NONE;
}

size_t gdb_packet_frame(const void *body, size_t len, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *b = body;
    size_t o = 0;
    uint8_t sum = 0;

    if (out_size < 4) {
        return 0;
    }
    out[o++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = b[i];
        bool esc = c == '#' || c == '$' || c == '}' || c == '*';
        if (o + (esc ? 2 : 1) + 3 > out_size) {
            return 0;
        }
        if (esc) {
            out[o++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[o++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    out[o++] = '#';
    out[o++] = hex[sum >> 4];
    out[o++] = hex[sum & 15];
    return o;
}

void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
}

bool gdb_hex_decode(const char *in, size_t n, uint8_t *bytes)
{
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hex_digit((unsigned char)in[2 * i]);
        int lo = hi < 0 ? -1 : gdb_hex_digit((unsigned char)in[2 * i + 1]);
        if (lo < 0) {
            return false;
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool gdb_parse_hex(const char **p, uint64_t *value)
{
    uint64_t v = 0;
    unsigned n = 0;
    int d;
    while ((d = gdb_hex_digit((unsigned char)**p)) >= 0) {
        if (++n > 16) {
            return false;
        }
        v = v << 4 | (uint64_t)d;
        (*p)++;
    }
    *value = v;
    return n > 0;
}
