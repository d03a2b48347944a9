# virtio_blk: no libraries; the virtio layouts are in virtio_blk.h and virtio_net's virtio.h.
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/virtio_blk/*.c)): apps/virtio_blk/virtio_blk.h \
	apps/virtio_net/virtio.h
