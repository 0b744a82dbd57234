/* Limits shared by smode_crt.S and the C runtime. */
#ifndef SMODE_LAYOUT_H
#define SMODE_LAYOUT_H

#define SMODE_MAX_HARTS 512       /* tlbstorm's and QEMU virt's limit */
#define SMODE_STACK_SIZE 16384

#endif
