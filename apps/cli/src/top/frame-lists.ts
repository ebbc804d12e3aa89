import type { DiskIoReading, FilesystemReading, Frame, GpuReading, NetworkInterfaceReading } from '@vigil/schema';

/** The lists of a frame that the meters show, in screen order; the layout counts them, the views draw them. */
export interface FrameLists {
  filesystems: FilesystemReading[];
  disks: DiskIoReading[];
  interfaces: NetworkInterfaceReading[];
  gpus: GpuReading[];
  cores: number;
}

/** Loopback carries no traffic of the host's own; it is left out, as nload and btop leave it out by default. */
const isLoopback = (name: string) => name === 'lo';

/** Filesystems with "/" first then by mountpoint, block devices and interfaces (no loopback) by name, GPUs by index. */
export function frameLists(frame: Frame | null): FrameLists {
  const system = frame?.system;
  const filesystems = [...(system?.filesystems ?? [])].sort((a, b) =>
    a.mountpoint === '/' ? -1 : b.mountpoint === '/' ? 1 : a.mountpoint.localeCompare(b.mountpoint),
  );
  const disks = [...(system?.disks ?? [])].sort((a, b) => a.device.localeCompare(b.device));
  const interfaces = (system?.network ?? []).filter((n) => !isLoopback(n.interface)).sort((a, b) => a.interface.localeCompare(b.interface));
  const gpus = [...(system?.gpus ?? [])].sort((a, b) => a.index - b.index);
  const cores = system?.cpu?.cores.length ?? 0;
  return { filesystems, disks, interfaces, gpus, cores };
}
