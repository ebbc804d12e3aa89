import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readTextOrNull } from './read.ts';
import { parseCpuList, parseHwmonChip, parseKhzAsMhz, parseThermalZone, type SensorTemperature } from './sysfs-parsers.ts';

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Reads every file of a directory that matches, skipping the ones that vanish or refuse (EIO, ENODATA, EACCES). */
function readFiles(dir: string, wanted: (name: string) => boolean): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of listDir(dir)) {
    if (!wanted(name)) continue;
    try {
      const text = readTextOrNull(join(dir, name));
      if (text !== null) files.set(name, text);
    } catch {
      // A sensor that cannot be read right now is left out, not an error of the whole chip.
    }
  }
  return files;
}

export interface CpuFreqFiles {
  currentMhz: number | null;
  minMhz: number | null;
  maxMhz: number | null;
}

/** Reads /sys under a root given by the caller. Missing directories mean "no data here", never an error. */
export class SysFs {
  constructor(readonly root = '/sys') {}

  /** CPUs listed in devices/system/cpu/{online,present}; null when the file is absent. */
  cpuList(which: 'online' | 'present' | 'possible'): number[] | null {
    const text = readTextOrNull(join(this.root, 'devices/system/cpu', which));
    return text === null ? null : parseCpuList(text);
  }

  /** cpufreq of one CPU (Documentation/admin-guide/pm/cpufreq.rst); null when cpufreq is absent. */
  cpufreq(cpu: number): CpuFreqFiles | null {
    const dir = join(this.root, `devices/system/cpu/cpu${cpu}/cpufreq`);
    const read = (name: string) => {
      const text = readTextOrNull(join(dir, name));
      return text === null ? null : parseKhzAsMhz(text);
    };
    const currentMhz = read('scaling_cur_freq') ?? read('cpuinfo_cur_freq');
    if (currentMhz === null) return null;
    return { currentMhz, minMhz: read('cpuinfo_min_freq'), maxMhz: read('cpuinfo_max_freq') };
  }

  /** Temperatures of every hwmon chip, sensor names as "<chip>_<label>". */
  hwmonTemperatures(): SensorTemperature[] {
    const base = join(this.root, 'class/hwmon');
    const temps: SensorTemperature[] = [];
    for (const entry of listDir(base).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
      const dir = join(base, entry);
      const files = readFiles(dir, (name) => name === 'name' || name.startsWith('temp'));
      // Older drivers keep their files one level down, in device/.
      if (![...files.keys()].some((name) => name.endsWith('_input'))) {
        // libsensors does the same: the chip's name may be down there too (Linux < 3.13).
        for (const [name, text] of readFiles(join(dir, 'device'), (n) => n.startsWith('temp') || n === 'name')) {
          if (name !== 'name' || !files.has('name')) files.set(name, text);
        }
      }
      temps.push(...parseHwmonChip(files.get('name')?.trim() || entry, files));
    }
    return temps;
  }

  /** Temperatures of the thermal zones (ACPI, SoC sensors). */
  thermalZones(): SensorTemperature[] {
    const base = join(this.root, 'class/thermal');
    const temps: SensorTemperature[] = [];
    for (const zone of listDir(base)
      .filter((n) => n.startsWith('thermal_zone'))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
      const files = readFiles(join(base, zone), (name) => name === 'type' || name === 'temp' || name.startsWith('trip_point_'));
      const temp = parseThermalZone(zone, files);
      if (temp) temps.push(temp);
    }
    return temps;
  }

  /** Whole block devices (not partitions): the entries of /sys/block; null when /sys/block is absent. */
  blockDevices(): Set<string> | null {
    const entries = listDir(join(this.root, 'block'));
    return entries.length === 0 ? null : new Set(entries);
  }
}
