// The CLIP library's data files, compiled into the binary with C23 #embed, so a copied or installed binary
// needs no resource folder beside it (SwiftPM's resource bundles are found only next to the build).
// The files stay with the target that owns them, Sources/CLIP/Resources; editing one rebuilds this file
// (clang lists embedded files in its dependency output).
#include "clip_files.h"
#include "embedded_files.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char vocabulary[] = {
#embed "../CLIP/Resources/bpe_simple_vocab_16e6.txt.gz"
};
static const unsigned char text_tables[] = {
#embed "../CLIP/Resources/text_tables.json"
};
static const unsigned char imagenet[] = {
#embed "../CLIP/Resources/imagenet.json"
};
static const unsigned char open_clip_configs[] = {
#embed "../CLIP/Resources/open_clip_configs.json"
};
static const unsigned char open_clip_license[] = {
#embed "../CLIP/Resources/open_clip-LICENSE.txt"
};

static const embedded_file files[] = {
    {"bpe_simple_vocab_16e6.txt.gz", vocabulary, sizeof vocabulary},
    {"text_tables.json", text_tables, sizeof text_tables},
    {"imagenet.json", imagenet, sizeof imagenet},
    {"open_clip_configs.json", open_clip_configs, sizeof open_clip_configs},
    {"open_clip-LICENSE.txt", open_clip_license, sizeof open_clip_license},
};

EMBEDDED_FILE_ACCESSORS(clip_file, files)

// scripts/build.sh writes build_stamp.h (git-ignored) with the commit and the compiler flags; a plain
// `swift build` has none, and says so.
#if __has_include("build_stamp.h")
#include "build_stamp.h"
#endif
#ifndef CLIP_BUILD_COMMIT
#define CLIP_BUILD_COMMIT ""
#endif
#ifndef CLIP_BUILD_FLAGS
#define CLIP_BUILD_FLAGS ""
#endif
const char *clip_build_commit(void) { return CLIP_BUILD_COMMIT; }
const char *clip_build_flags(void) { return CLIP_BUILD_FLAGS; }
