# virtio_blk links the virtio transports (libs/c/virtio); its own facts are in virtio_blk.h.
APP_SRCS_virtio_blk += libs/c/virtio/virtio.c
APP_CFLAGS_virtio_blk += -Ilibs/c/virtio/include
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/virtio_blk/*.c) libs/c/virtio/virtio.c): \
	apps/virtio_blk/virtio_blk.h libs/c/virtio/include/ftl/virtio.h
