#include "util/log.h"

unsigned log_enabled_mask;
FILE *log_file;
