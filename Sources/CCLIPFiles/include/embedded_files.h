// The accessors every embedding C target exports over its table of files (Swift's EmbeddedFiles reads them):
// EMBEDDED_FILE_ACCESSORS(page_file, files) defines page_file_count, page_file_name and page_file_bytes.
#pragma once
#include <stddef.h>

typedef struct { const char *name; const unsigned char *bytes; size_t size; } embedded_file;

#define EMBEDDED_FILE_ACCESSORS(prefix, table)                                                        \
    size_t prefix##_count(void) { return sizeof table / sizeof table[0]; }                           \
    const char *prefix##_name(size_t index) { return index < prefix##_count() ? table[index].name : 0; } \
    const unsigned char *prefix##_bytes(size_t index, size_t *size) {                                \
        if (index >= prefix##_count()) { *size = 0; return 0; }                                        \
        *size = table[index].size;                                                                     \
        return table[index].bytes;                                                                     \
    }
