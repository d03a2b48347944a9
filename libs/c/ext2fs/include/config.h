// config.h for libext2fs built freestanding for FTL apps (aarch64, picolibc) and for
// host tests. Written by hand instead of running e2fsprogs' configure: only what the
// library files listed in libs/c/ext2fs/ext2fs.mk test for. No threads, no MMP, no TDB.
#pragma once

#define HAVE_UNISTD_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_ERRNO_H 1
#define HAVE_STRNLEN 1
#define HAVE_POSIX_MEMALIGN 1
#define SIZEOF_INT 4
#define SIZEOF_LONG 8
#define SIZEOF_LONG_LONG 8
#define SIZEOF_SHORT 2
#define SIZEOF_OFF_T 8
#define SIZEOF_TIME_T 8
#include <sys/time.h>
