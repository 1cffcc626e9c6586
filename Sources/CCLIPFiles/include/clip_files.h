// The CLIP library's data files, compiled into the binary (see files.c), and the build stamp.
#pragma once
#include <stddef.h>

size_t clip_file_count(void);
const char *clip_file_name(size_t index);
const unsigned char *clip_file_bytes(size_t index, size_t *size);

/// The commit and flags scripts/build.sh stamped into this build, or "" when it was built without the script.
const char *clip_build_commit(void);
const char *clip_build_flags(void);
