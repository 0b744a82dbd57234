/* The guest image loader: ELF64 RISC-V executables and raw binaries copied into guest RAM.
 * Callers: the main thread while the machine is being built, before any vCPU thread starts.
 * Locking: none; the caller owns guest RAM exclusively while it loads (no vCPU runs). */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Host mapping of guest RAM [base, base + size); base + size must not wrap. */
struct guest_ram {
    uint8_t *host;
    uint64_t base;
    uint64_t size;
};

struct loaded_image {
    uint64_t entry;               /* physical entry address (raw: the load address) */
    uint64_t low, high;           /* physical range [low, high) the image occupies in RAM */
    bool is_elf;
    bool has_tohost;              /* ELF symbol `tohost` found (HTIF) */
    uint64_t tohost, fromhost;    /* physical addresses; each 0 if its symbol is absent */
};

/* Every loader call below: on success returns 0 and fills *out. On failure returns -errno,
 * stores one line "<path>: <problem>" in *errp (errp may be NULL), and leaves guest RAM
 * untouched: the whole file is validated before the first byte is written. The one exception
 * is a read error after validation (EIO, or the file shrinking under us), which can leave RAM
 * partly written; the caller must then not run the guest. Errors: -ENOENT/-EACCES/... from
 * open, -EISDIR or -EINVAL for a path that is not a regular file (a FIFO or a terminal is
 * refused, not waited on), -ENOEXEC for a malformed or unsupported ELF or an empty file,
 * -EFBIG for an image that does not fit in RAM, -ENOMEM, -EIO. */

/* An ELF (recognised by its magic, "\x7fELF") through loader_load_elf(), anything else
 * through loader_load_raw() at raw_addr. */
int loader_load_image(const char *path, const struct guest_ram *ram, uint64_t raw_addr,
                      struct loaded_image *out, Error **errp)
    __attribute__((warn_unused_result));

/* ELF64, little-endian, EM_RISCV, ET_EXEC or ET_DYN (loaded as linked, no relocation).
 * PT_LOAD segments go to p_paddr; p_memsz beyond p_filesz is zeroed. The entry is e_entry,
 * translated to physical through the first segment whose [p_vaddr, p_vaddr + p_memsz)
 * contains it; tohost/fromhost are found in .symtab and translated the same way. */
int loader_load_elf(const char *path, const struct guest_ram *ram, struct loaded_image *out,
                    Error **errp) __attribute__((warn_unused_result));

/* The whole file copied to [addr, addr + file size), which must lie inside RAM. */
int loader_load_raw(const char *path, const struct guest_ram *ram, uint64_t addr,
                    struct loaded_image *out, Error **errp)
    __attribute__((warn_unused_result));

#endif /* HW_LOADER_H */
