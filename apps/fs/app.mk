# fs links libext2fs (libs/c/ext2fs: fetched from Debian's e2fsprogs and built by
# ext2fs.mk) and the file protocol's parser (libs/c/fsproto). libext2fs's headers want
# its config.h first and are third-party: -isystem keeps their warnings out of -Werror.
APP_CFLAGS_fs += -include libs/c/ext2fs/include/config.h -isystem libs/c/ext2fs/include \
	-isystem build/ext2fs/gen -isystem build/ext2fs/e2fsprogs-1.47.0/lib -Ilibs/c/fsproto/include
APP_SRCS_fs += libs/c/fsproto/fsproto.c
APP_LIBS_fs += build/ext2fs/libext2fs-aarch64.a
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/fs/*.c) libs/c/fsproto/fsproto.c): apps/fs/fs.h \
	libs/c/ftl/include/ftl/fs.h libs/c/fsproto/include/ftl/fsproto.h \
	| build/ext2fs/libext2fs-aarch64.a
