/* The SBI calling convention (SBI spec chapter 3): extension id in a7, function id in a6,
 * arguments in a0..a5, error in a0 and value in a1 on return. Shared by the S-mode guests. */
#ifndef GUEST_SBI_CALL_H
#define GUEST_SBI_CALL_H

struct sbiret {
    long error;
    unsigned long value;
};

static inline struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long arg0,
                                     unsigned long arg1, unsigned long arg2, unsigned long arg3,
                                     unsigned long arg4)
{
    register unsigned long a0 __asm__("a0") = arg0;
    register unsigned long a1 __asm__("a1") = arg1;
    register unsigned long a2 __asm__("a2") = arg2;
    register unsigned long a3 __asm__("a3") = arg3;
    register unsigned long a4 __asm__("a4") = arg4;
    register unsigned long a6 __asm__("a6") = fid;
    register unsigned long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1)
                     : "r"(a2), "r"(a3), "r"(a4), "r"(a6), "r"(a7)
                     : "memory");
    return (struct sbiret){ (long)a0, a1 };
}

#endif
