# Optimized memcpy/memset (libs/c/ext2fs/ext2fs.mk), as the Linux side's C library has.
APP_LIBS_test_fs_bench += $(E2FS_STRING_LIB)
