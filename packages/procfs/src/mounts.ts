import { fields } from './errors.ts';

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
  options: string[];
}

/** Undoes the octal escapes of /proc/mounts (space as \040, tab \011, newline \012, backslash \134). */
export function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Parses /proc/mounts (fstab(5) format). Lines with fewer than four fields are skipped. */
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const parts = fields(line);
    if (parts.length < 4) continue;
    mounts.push({
      device: unescapeMountField(parts[0] as string),
      mountpoint: unescapeMountField(parts[1] as string),
      fstype: parts[2] as string,
      options: (parts[3] as string).split(','),
    });
  }
  return mounts;
}

/** Filesystem types marked "nodev" in /proc/filesystems: those not backed by a block device. */
export function parseNodevFilesystems(text: string): Set<string> {
  const nodev = new Set<string>();
  for (const line of text.split('\n')) {
    const parts = fields(line);
    if (parts[0] === 'nodev' && parts[1]) nodev.add(parts[1]);
  }
  return nodev;
}
