import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SysFs } from './sysfs.ts';

let root: string;

/** Writes files under the temporary /sys root, each with the trailing newline sysfs gives them. */
function writeTree(files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, relative)), { recursive: true });
    writeFileSync(join(root, relative), `${content}\n`);
  }
}

/** A sensor that cannot be read: a directory where a file should be makes the read fail (EISDIR), as EIO would. */
function unreadable(relative: string): void {
  mkdirSync(join(root, relative), { recursive: true });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-sysfs-'));
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('SysFs cpu lists and cpufreq', () => {
  beforeEach(() => {
    writeTree({
      'devices/system/cpu/online': '0-3,5',
      'devices/system/cpu/present': '0-7',
      'devices/system/cpu/cpu0/cpufreq/scaling_cur_freq': '2100000',
      'devices/system/cpu/cpu0/cpufreq/cpuinfo_min_freq': '800000',
      'devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq': '4500000',
      'devices/system/cpu/cpu1/cpufreq/cpuinfo_cur_freq': '1200000',
      'devices/system/cpu/cpu3/cpufreq/scaling_cur_freq': '<unknown>',
    });
  });

  it.each([
    ['online', [0, 1, 2, 3, 5]],
    ['present', [0, 1, 2, 3, 4, 5, 6, 7]],
    ['possible', null],
  ] as const)('reads the %s CPU list', (which, expected) => {
    expect(new SysFs(root).cpuList(which)).toEqual(expected);
  });

  it.each([
    [0, { currentMhz: 2100, minMhz: 800, maxMhz: 4500 }],
    [1, { currentMhz: 1200, minMhz: null, maxMhz: null }],
    [2, null],
    [3, null],
  ])('reads cpufreq of cpu%i', (cpu, expected) => {
    expect(new SysFs(root).cpufreq(cpu)).toEqual(expected);
  });
});

describe('SysFs hwmon', () => {
  it('reads every chip in numeric order, skipping unreadable sensors and chips without temperatures', () => {
    writeTree({
      'class/hwmon/hwmon0/name': 'coretemp',
      'class/hwmon/hwmon0/temp1_input': '45000',
      'class/hwmon/hwmon0/temp1_label': 'Package id 0',
      'class/hwmon/hwmon0/temp1_max': '80000',
      'class/hwmon/hwmon0/temp1_crit': '100000',
      'class/hwmon/hwmon0/temp2_input': '42000',
      'class/hwmon/hwmon0/temp2_label': 'Core 0',
      'class/hwmon/hwmon1/name': 'nvme',
      'class/hwmon/hwmon1/temp1_input': '38850',
      'class/hwmon/hwmon1/temp1_label': 'Composite',
      'class/hwmon/hwmon2/name': 'dell_smm',
      'class/hwmon/hwmon2/fan1_input': '2400',
      'class/hwmon/hwmon10/name': 'amdgpu',
      'class/hwmon/hwmon10/temp1_input': '51000',
      'class/hwmon/hwmon10/temp1_label': 'edge',
    });
    unreadable('class/hwmon/hwmon1/temp2_input');
    expect(new SysFs(root).hwmonTemperatures().map((t) => [t.chip, t.label, t.celsius, t.highCelsius, t.criticalCelsius])).toEqual([
      ['coretemp', 'Core 0', 42, null, null],
      ['coretemp', 'Package id 0', 45, 80, 100],
      ['nvme', 'Composite', 38.85, null, null],
      ['amdgpu', 'edge', 51, null, null],
    ]);
  });

  it('names a chip without a name file after its directory', () => {
    writeTree({ 'class/hwmon/hwmon4/temp1_input': '30000' });
    expect(new SysFs(root).hwmonTemperatures()).toEqual([
      { chip: 'hwmon4', label: 'temp1', celsius: 30, highCelsius: null, criticalCelsius: null },
    ]);
  });

  it('reads the temperatures an older driver keeps in device/', () => {
    writeTree({
      'class/hwmon/hwmon0/name': 'it87',
      'class/hwmon/hwmon0/device/temp1_input': '35000',
      'class/hwmon/hwmon0/device/temp1_max': '70000',
    });
    expect(new SysFs(root).hwmonTemperatures()).toEqual([
      { chip: 'it87', label: 'temp1', celsius: 35, highCelsius: 70, criticalCelsius: null },
    ]);
  });

  // BUG: before Linux 3.13 (hwmon_device_register), "name" too lives in device/, beside the temp files; SysFs reads
  // only temp* from device/ (sysfs.ts line 341), so the chip is named "hwmon1" instead of "coretemp".
  // libsensors falls back to device/name for this reason.
  it('takes the chip name from device/ when the temperatures are there (Linux 3.10 layout)', () => {
    writeTree({
      'class/hwmon/hwmon1/device/name': 'coretemp',
      'class/hwmon/hwmon1/device/temp2_input': '41000',
      'class/hwmon/hwmon1/device/temp2_label': 'Core 0',
    });
    expect(new SysFs(root).hwmonTemperatures()).toEqual([
      { chip: 'coretemp', label: 'Core 0', celsius: 41, highCelsius: null, criticalCelsius: null },
    ]);
  });
});

describe('SysFs thermal zones', () => {
  it('reads the zones in numeric order, skipping cooling devices and unreadable zones', () => {
    writeTree({
      'class/thermal/thermal_zone0/type': 'acpitz',
      'class/thermal/thermal_zone0/temp': '27800',
      'class/thermal/thermal_zone0/trip_point_0_type': 'critical',
      'class/thermal/thermal_zone0/trip_point_0_temp': '105000',
      'class/thermal/thermal_zone0/trip_point_1_type': 'hot',
      'class/thermal/thermal_zone0/trip_point_1_temp': '95000',
      'class/thermal/thermal_zone2/type': 'pch_skylake',
      'class/thermal/thermal_zone2/temp': '41500',
      'class/thermal/thermal_zone10/type': 'iwlwifi_1',
      'class/thermal/thermal_zone10/temp': '38000',
      'class/thermal/cooling_device0/type': 'Processor',
      'class/thermal/cooling_device0/cur_state': '0',
      'class/thermal/thermal_zone3/type': 'INT3400 Thermal',
    });
    unreadable('class/thermal/thermal_zone3/temp');
    expect(new SysFs(root).thermalZones()).toEqual([
      { chip: 'acpitz', label: 'thermal_zone0', celsius: 27.8, highCelsius: 95, criticalCelsius: 105 },
      { chip: 'pch_skylake', label: 'thermal_zone2', celsius: 41.5, highCelsius: null, criticalCelsius: null },
      { chip: 'iwlwifi_1', label: 'thermal_zone10', celsius: 38, highCelsius: null, criticalCelsius: null },
    ]);
  });

  it('leaves out a trip point that cannot be read', () => {
    writeTree({
      'class/thermal/thermal_zone0/type': 'acpitz',
      'class/thermal/thermal_zone0/temp': '27800',
      'class/thermal/thermal_zone0/trip_point_0_type': 'critical',
    });
    unreadable('class/thermal/thermal_zone0/trip_point_0_temp');
    expect(new SysFs(root).thermalZones()[0]?.criticalCelsius).toBeNull();
  });
});

describe('SysFs block devices', () => {
  it('lists the entries of /sys/block', () => {
    for (const device of ['sda', 'nvme0n1', 'loop0']) mkdirSync(join(root, 'block', device), { recursive: true });
    expect(new SysFs(root).blockDevices()).toEqual(new Set(['sda', 'nvme0n1', 'loop0']));
  });

  it('reports an empty /sys/block as absent', () => {
    mkdirSync(join(root, 'block'));
    expect(new SysFs(root).blockDevices()).toBeNull();
  });
});

describe('SysFs with nothing there', () => {
  it.each([
    ['cpuList', (s: SysFs) => s.cpuList('online'), null],
    ['cpufreq', (s: SysFs) => s.cpufreq(0), null],
    ['hwmonTemperatures', (s: SysFs) => s.hwmonTemperatures(), []],
    ['thermalZones', (s: SysFs) => s.thermalZones(), []],
    ['blockDevices', (s: SysFs) => s.blockDevices(), null],
  ])('%s reports "no data", not an error', (_reader, read, expected) => {
    expect(read(new SysFs(join(root, 'missing')))).toEqual(expected);
  });
});

describe('SysFs on the real /sys', () => {
  it('lists as many online CPUs as Node sees', () => {
    expect(new SysFs().cpuList('online')).toHaveLength(cpus().length);
  });
});
