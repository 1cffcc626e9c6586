// Debian's libopenblas-dev installs cblas.h (with openblas_set_num_threads) through alternatives.
#include <cblas.h>
