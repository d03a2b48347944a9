# virtio_net: no libraries; its register and ring layouts are in virtio.h.
$(patsubst %,$(BUILD)/apps/%.o,$(wildcard apps/virtio_net/*.c)): apps/virtio_net/virtio.h
