// The files of the model `clip demo` uses, compiled into the binary (see files.c).
#pragma once
#include <stddef.h>

size_t bundled_model_file_count(void);
const char *bundled_model_file_name(size_t index);
const unsigned char *bundled_model_file_bytes(size_t index, size_t *size);
