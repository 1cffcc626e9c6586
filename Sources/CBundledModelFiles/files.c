// The synthetic-shapes model (Resources/synthetic-shapes), compiled into the `clip` binary with
// C23 #embed: what loading it needs, and its training record. The binary writes them out once to a cache
// folder (BundledModel.swift), because models load from a folder.
#include "bundled_model_files.h"
#include "embedded_files.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char config_json[] = {
#embed "Resources/synthetic-shapes/config.json"
};
static const unsigned char preprocessor_config_json[] = {
#embed "Resources/synthetic-shapes/preprocessor_config.json"
};
static const unsigned char model_safetensors[] = {
#embed "Resources/synthetic-shapes/model.safetensors"
};
static const unsigned char vocab_json[] = {
#embed "Resources/synthetic-shapes/vocab.json"
};
static const unsigned char merges_txt[] = {
#embed "Resources/synthetic-shapes/merges.txt"
};
static const unsigned char training_md[] = {
#embed "Resources/synthetic-shapes/TRAINING.md"
};

static const embedded_file files[] = {
    {"config.json", config_json, sizeof config_json},
    {"preprocessor_config.json", preprocessor_config_json, sizeof preprocessor_config_json},
    {"model.safetensors", model_safetensors, sizeof model_safetensors},
    {"vocab.json", vocab_json, sizeof vocab_json},
    {"merges.txt", merges_txt, sizeof merges_txt},
    {"TRAINING.md", training_md, sizeof training_md},
};

EMBEDDED_FILE_ACCESSORS(bundled_model_file, files)
