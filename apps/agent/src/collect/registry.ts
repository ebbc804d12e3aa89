import type { AgentCollection } from '@vigil/schema';
import type { Collector } from './collector.ts';
import { connectionsCollector } from './connections.ts';
import { cpuCollector } from './cpu.ts';
import { customCollector } from './custom.ts';
import { disksCollector } from './disks.ts';
import { filesystemsCollector } from './filesystems.ts';
import { type GpuSource, gpuCollector } from './gpu.ts';
import { kernelCollector } from './kernel.ts';
import { loadCollector } from './load.ts';
import { memoryCollector } from './memory.ts';
import { networkCollector } from './network.ts';
import { processesCollector } from './processes.ts';
import { socketsCollector } from './sockets.ts';
import { temperaturesCollector } from './temperatures.ts';
import { uptimeCollector } from './uptime.ts';
import { virtualizationCollector } from './virtualization.ts';

/**
 * Every collector, in the order they run. Order matters only where a collector reads what an earlier one
 * left in the context: virtualization and connections use the process table.
 */
export function createCollectors(gpu: GpuSource, custom: AgentCollection = { plugins: [] }): Collector[] {
  return [
    uptimeCollector(),
    cpuCollector(),
    loadCollector(),
    memoryCollector(),
    filesystemsCollector(),
    disksCollector(),
    networkCollector(),
    socketsCollector(),
    kernelCollector(),
    temperaturesCollector(),
    gpuCollector(gpu),
    processesCollector(),
    virtualizationCollector(),
    connectionsCollector(),
    ...(custom.plugins.length > 0 || custom.textfileDir ? [customCollector(custom.plugins, custom.textfileDir)] : []),
  ];
}
