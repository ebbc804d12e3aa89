import type { Collector } from './collector.ts';

/** Hypervisor processes, one per guest: QEMU/KVM, Firecracker, Cloud Hypervisor, VirtualBox, VMware, crosvm. */
const VM_PROCESS = /^(qemu-system-.+|qemu-kvm|kvm|firecracker|cloud-hypervisor|VBoxHeadless|VirtualBoxVM|vmware-vmx|crosvm)$/;

/**
 * Guests and containers on this host, for seed 000's `vms`: hypervisor processes, and distinct containers
 * found from the cgroups of the process table (read by the processes collector, which must run first).
 */
export function virtualizationCollector(): Collector {
  return {
    name: 'virtualization',
    collect(ctx, out) {
      let vms = 0;
      const containers = new Set<string>();
      for (const { info, container } of ctx.processTable) {
        if (!info.kernelThread && VM_PROCESS.test(info.name)) vms++;
        if (container) containers.add(container);
      }
      out.system.virtualization = { vms, containers: containers.size };
    },
  };
}
