# virtio_net links the virtio transports (libs/c/virtio); its own facts are in virtio.h.
APP_SRCS_virtio_net += libs/c/virtio/virtio.c
APP_CFLAGS_virtio_net += -Ilibs/c/virtio/include
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/virtio_net/*.c) libs/c/virtio/virtio.c): \
	apps/virtio_net/virtio.h libs/c/virtio/include/ftl/virtio.h
