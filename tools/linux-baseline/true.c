/* The trivial program fork+exec+wait runs: /true in the initramfs. */
int main(void) { return 0; }
