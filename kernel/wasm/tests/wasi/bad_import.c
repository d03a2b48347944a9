// WASI test: imports a WASI function outside the runtime's subset; loading must fail
// with "unknown import wasi_snapshot_preview1.sock_accept".
#include <stdint.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("sock_accept"))) int32_t
sock_accept(int32_t fd, int32_t flags, int32_t out_fd);

int main(void)
{
    return sock_accept(3, 0, 0);
}
