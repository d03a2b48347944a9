// WASI test: imports a function preview1 does not have (WasmEdge's socket extension);
// loading must fail with "unknown import wasi_snapshot_preview1.sock_open".
#include <stdint.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("sock_open"))) int32_t
sock_open(int32_t family, int32_t type, int32_t out_fd);

int main(void)
{
    return sock_open(1, 1, 0);
}
