// The arm64 address space shared by mmu.c (user spaces, stage 1) and vmm.c (guest
// VMs, stage 2): both are three-level tables of 4 KiB granules for 39-bit addresses.
#pragma once

#include <stddef.h>
#include <stdint.h>

struct arch_vcpu;

struct arch_aspace {
    uint64_t *l1;
    uint64_t ttbr;        // TTBR0 value: l1's physical address and the ASID
    uint16_t asid;        // 0: none free, share ASID 0 and flush on switch
    uint32_t table_pages; // page-table pages, l1 included
    struct arch_vcpu *vm; // a guest VM (stage 2; asid unused), or NULL
};

/// Stage-2 descriptor bits (everything but the address) for a page with `prot`.
uint64_t vm_pte_attrs(uint32_t prot);
/// Bytes of a VM's vCPU state, charged with its tables.
size_t vm_vcpu_bytes(void);
/// Forgets the VM's TLB entries, frees its vCPU and returns its VMID.
void vm_release(struct arch_aspace *as);
