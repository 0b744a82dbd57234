/* Guest symbol tables: loads the function and data symbols of an ELF64 file's .symtab (a Linux
 * vmlinux, a bare-metal guest) or of a Linux System.map, and turns guest addresses into
 * "function+0xoff" for traces, the monitor and the debugger. Owns the Symbols table and its
 * name strings.
 * Callers: any thread. A table is immutable once symbols_load returns it, so lookups may run
 * concurrently on any number of threads; symbols_free must not race with them.
 * Locking: none. */
#ifndef UTIL_SYMBOLS_H
#define UTIL_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest file symbols_load reads. */
#define SYMBOLS_MAX_FILE_SIZE (1ULL << 30)

typedef struct Symbols Symbols;

/* Loads the symbols of the file at path into a new table stored in *out. The format is taken
 * from the first bytes: the ELF magic means an ELF64 little-endian file with a .symtab,
 * anything else a System.map ("ffffffff80002000 T _stext" a line).
 * Kept from ELF: STT_FUNC (and GNU ifunc), STT_OBJECT and STT_NOTYPE symbols defined in a
 * section (not undefined, not absolute) with a non-zero value, with their st_size. Kept from
 * System.map: types T t W w V v D d B b R r G g S s with a non-zero address; sizes unknown.
 * Other well-formed lines (A, U, N, ...) are skipped, and so are malformed lines, as long as at
 * least one symbol is kept. Both formats drop empty names, mapping symbols ("$x", "$d...") and
 * assembler-local labels (".L...").
 * The file is treated as hostile: every offset and size is checked against the file before
 * use. Returns 0 on success; -1 with *out set to NULL and one line in err (naming path, and
 * the offset or line number where relevant) for a missing or unreadable file, one larger than
 * SYMBOLS_MAX_FILE_SIZE, a truncated or malformed ELF, or a file with no symbol kept. err may
 * be NULL when errlen is 0. */
int symbols_load(Symbols **out, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The symbol covering addr: the one with the greatest address <= addr. Where several start at
 * the same address, the choice is fixed: functions before objects before untyped symbols,
 * then global before weak before local, then the smaller name (strcmp). A symbol with a known
 * size covers [address, address + size); one without (every System.map symbol, and ELF
 * symbols of size 0) covers up to the next greater symbol address, and the last such symbol
 * only its own address. Returns false, leaving *name and *offset untouched, when no symbol
 * covers addr or s is NULL; otherwise stores the name (valid until symbols_free) and
 * addr minus the symbol's address. name and offset may be NULL. */
bool symbols_lookup(const Symbols *s, uint64_t addr, const char **name, uint64_t *offset);

/* Writes "name+0xoff", or "name" when addr is the symbol's own address, or "0x<hex addr>"
 * when symbols_lookup finds nothing (s may be NULL), into buf as snprintf does (at most len
 * bytes, NUL-terminated when len > 0; buf may be NULL when len is 0). Returns the length the
 * whole text has, as snprintf. */
int symbols_format(const Symbols *s, uint64_t addr, char *buf, size_t len);

/* The address of the symbol called name. When several symbols share the name (static functions
 * of different files), the one the same-address rule above ranks first, then the lowest
 * address. Returns false when there is none or s is NULL. */
bool symbols_find(const Symbols *s, const char *name, uint64_t *addr);

/* How many symbols the table holds (0 for NULL). */
size_t symbols_count(const Symbols *s);

/* Frees the table and its names (NULL is fine). */
void symbols_free(Symbols *s);

#endif
