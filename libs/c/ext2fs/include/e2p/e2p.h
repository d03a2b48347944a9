// Stands in for e2fsprogs' lib/e2p/e2p.h, which lib/ext2fs/mkjournal.c includes (for
// ext2fs_zero_blocks2, which the allocator needs) but does not use, and which needs
// <dirent.h>, absent from picolibc. lib/e2p is not built for FTL.
#pragma once
