/* A minimal x86-64 instruction encoder for the JIT (accel/jit_x86.c): REX/ModRM/SIB
 * operand forms, immediates, and jumps with 32-bit displacements patched later. Owns
 * nothing: an Emit writes into space its caller reserved. Callers: the JIT, under tb_lock.
 * Register numbers are the hardware ones; F_* choose the operand size, G_* and SH_* are the
 * ModRM reg-field digits of the group opcodes, CC_* the condition codes. */
#ifndef ACCEL_X86_EMIT_H
#define ACCEL_X86_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_A = 7, CC_L = 12, CC_GE = 13, CC_G = 15 };
/* Operand-form flags: REX.W, operand-size prefix, byte register operand. */
enum { F_W = 1, F_66 = 2, F_BYTE = 4 };
/* Group-opcode digits (the reg field of ModRM). */
enum { G_ADD = 0, G_OR = 1, G_AND = 4, G_SUB = 5, G_XOR = 6, G_CMP = 7 };
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

typedef struct Emit {
    uint8_t *p;                   /* space was reserved by the caller */
} Emit;

static inline void e8(Emit *e, unsigned v)
{
    *e->p++ = (uint8_t)v;
}

static inline void e32(Emit *e, uint32_t v)
{
    memcpy(e->p, &v, 4);
    e->p += 4;
}

static inline void e64(Emit *e, uint64_t v)
{
    memcpy(e->p, &v, 8);
    e->p += 8;
}

/* Opcode bytes, most significant first: 0x0FAF is 0F AF. */
static inline void opcode(Emit *e, uint32_t opc)
{
    if (opc > 0xffff) {
        e8(e, opc >> 16);
    }
    if (opc > 0xff) {
        e8(e, (opc >> 8) & 0xff);
    }
    e8(e, opc & 0xff);
}

/* A REX prefix when needed: extended registers, 64-bit operand size, or spl..dil as byte
 * registers (without REX, byte registers 4..7 are ah..bh). */
static inline void rex(Emit *e, unsigned f, int reg, int index, int base)
{
    unsigned r = 0x40 | (f & F_W ? 8u : 0u) | (reg >= 8 ? 4u : 0u) | (index >= 8 ? 2u : 0u) |
                 (base >= 8 ? 1u : 0u);
    bool byte_high = (f & F_BYTE) && ((reg >= 4 && reg < 8) || (base >= 4 && base < 8 &&
                                                                 index == -2));
    if (r != 0x40 || byte_high) {
        e8(e, r);
    }
}

/* opc with operands reg and [base + index + disp] (index -1: none). */
static inline void op_mem(Emit *e, unsigned f, uint32_t opc, int reg, int base, int index,
                   int32_t disp)
{
    if (f & F_66) {
        e8(e, 0x66);
    }
    rex(e, f, reg, index, base);
    opcode(e, opc);
    unsigned mod = disp == 0 && (base & 7) != RBP ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
    if (index < 0 && (base & 7) != RSP) {
        e8(e, mod << 6 | (unsigned)(reg & 7) << 3 | (unsigned)(base & 7));
    } else {
        e8(e, mod << 6 | (unsigned)(reg & 7) << 3 | 4);
        e8(e, (unsigned)((index < 0 ? RSP : index) & 7) << 3 | (unsigned)(base & 7));
    }
    if (mod == 1) {
        e8(e, (uint8_t)disp);
    } else if (mod == 2) {
        e32(e, (uint32_t)disp);
    }
}

/* opc with register operands reg and rm. */
static inline void op_rr(Emit *e, unsigned f, uint32_t opc, int reg, int rm)
{
    if (f & F_66) {
        e8(e, 0x66);
    }
    rex(e, f, reg, -2, rm);
    opcode(e, opc);
    e8(e, 0xC0 | (unsigned)(reg & 7) << 3 | (unsigned)(rm & 7));
}

static inline void mov_imm(Emit *e, int reg, uint64_t v)
{
    if (v <= 0xffffffffu) {
        rex(e, 0, 0, -1, reg);
        e8(e, 0xB8 + (reg & 7));
        e32(e, (uint32_t)v);
    } else if ((int64_t)v == (int32_t)v) {
        op_rr(e, F_W, 0xC7, 0, reg);
        e32(e, (uint32_t)v);
    } else {
        rex(e, F_W, 0, -1, reg);
        e8(e, 0xB8 + (reg & 7));
        e64(e, v);
    }
}

static inline bool fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

/* Group-1 ALU op (G_*) of reg with a sign-extended 32-bit immediate. */
static inline void alu_imm(Emit *e, unsigned f, unsigned digit, int reg, int32_t imm)
{
    if (fits8(imm)) {
        op_rr(e, f, 0x83, (int)digit, reg);
        e8(e, (uint8_t)imm);
    } else {
        op_rr(e, f, 0x81, (int)digit, reg);
        e32(e, (uint32_t)imm);
    }
}

/* push / pop of a 64-bit register. */
static inline void push_reg(Emit *e, int reg)
{
    rex(e, 0, 0, -1, reg);
    e8(e, 0x50 + (reg & 7));
}

static inline void pop_reg(Emit *e, int reg)
{
    rex(e, 0, 0, -1, reg);
    e8(e, 0x58 + (reg & 7));
}

static inline void shift_imm(Emit *e, unsigned f, unsigned digit, int reg, unsigned n)
{
    op_rr(e, f, 0xC1, (int)digit, reg);
    e8(e, n);
}

static inline void movsxd(Emit *e, int dst, int src)
{
    op_rr(e, F_W, 0x63, dst, src);
}

/* Jumps with a 32-bit displacement; return where to patch it. */
static inline uint8_t *jcc(Emit *e, unsigned cc)
{
    e8(e, 0x0F);
    e8(e, 0x80 | cc);
    uint8_t *rel = e->p;
    e32(e, 0);
    return rel;
}

static inline uint8_t *jmp32(Emit *e)
{
    e8(e, 0xE9);
    uint8_t *rel = e->p;
    e32(e, 0);
    return rel;
}

static inline void patch(uint8_t *rel, const uint8_t *target)
{
    int32_t d = (int32_t)(target - (rel + 4));
    memcpy(rel, &d, 4);
}

static inline void jmp_to(Emit *e, const uint8_t *target)
{
    patch(jmp32(e), target);
}

static inline void call_abs(Emit *e, const void *fn)
{
    mov_imm(e, RAX, (uint64_t)(uintptr_t)fn);
    op_rr(e, 0, 0xFF, 2, RAX);
}

#endif
