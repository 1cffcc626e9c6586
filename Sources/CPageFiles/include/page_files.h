// The search page's files, compiled into the binary (see files.c).
#pragma once
#include <stddef.h>

size_t page_file_count(void);
const char *page_file_name(size_t index);
const unsigned char *page_file_bytes(size_t index, size_t *size);
