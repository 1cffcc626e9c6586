// The search page (Sources/CLIPServer/Resources/page), compiled into the binary with C23 #embed so the
// server needs no resource folder beside it. A new page file is served once it is listed here.
#include "page_files.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char index_html[] = {
#embed "../CLIPServer/Resources/page/index.html"
};
static const unsigned char style_css[] = {
#embed "../CLIPServer/Resources/page/style.css"
};
static const unsigned char app_js[] = {
#embed "../CLIPServer/Resources/page/app.js"
};
static const unsigned char api_js[] = {
#embed "../CLIPServer/Resources/page/api.js"
};
static const unsigned char icon_svg[] = {
#embed "../CLIPServer/Resources/page/icon.svg"
};

static const struct { const char *name; const unsigned char *bytes; size_t size; } files[] = {
    {"index.html", index_html, sizeof index_html},
    {"style.css", style_css, sizeof style_css},
    {"app.js", app_js, sizeof app_js},
    {"api.js", api_js, sizeof api_js},
    {"icon.svg", icon_svg, sizeof icon_svg},
};

size_t page_file_count(void) { return sizeof files / sizeof files[0]; }
const char *page_file_name(size_t index) { return index < page_file_count() ? files[index].name : 0; }
const unsigned char *page_file_bytes(size_t index, size_t *size) {
    if (index >= page_file_count()) { *size = 0; return 0; }
    *size = files[index].size;
    return files[index].bytes;
}
