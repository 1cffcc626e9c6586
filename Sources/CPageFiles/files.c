// The search page (Sources/CLIPServer/Resources/page), compiled into the binary with C23 #embed so the
// server needs no resource folder beside it. A new page file is served once it is listed here.
#include "page_files.h"
#include "embedded_files.h"

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

static const embedded_file files[] = {
    {"index.html", index_html, sizeof index_html},
    {"style.css", style_css, sizeof style_css},
    {"app.js", app_js, sizeof app_js},
    {"api.js", api_js, sizeof api_js},
    {"icon.svg", icon_svg, sizeof icon_svg},
};

EMBEDDED_FILE_ACCESSORS(page_file, files)
