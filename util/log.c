#include "util/log.h"

unsigned log_enabled_mask;
FILE *log_file;
_Thread_local FILE *log_thread_file;
