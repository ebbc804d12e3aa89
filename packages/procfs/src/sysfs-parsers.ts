import { ProcfsParseError } from './errors.ts';

/** Parses a CPU list such as "0-3,5,7-8" (/sys/devices/system/cpu/online, Documentation/ABI/.../sysfs-devices-system-cpu). */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  const trimmed = text.trim();
  if (trimmed === '') return cpus;
  for (const part of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || to < from) throw new ProcfsParseError('cpu list', `bad range "${part}"`);
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** A temperature read from hwmon or thermal, in degrees Celsius. */
export interface SensorTemperature {
  chip: string;
  label: string;
  celsius: number;
  highCelsius: number | null;
  criticalCelsius: number | null;
}

const milli = (text: string | undefined): number | null => {
  if (text === undefined) return null;
  const value = Number(text.trim());
  return text.trim() === '' || !Number.isFinite(value) ? null : value / 1000;
};

/**
 * Temperatures of one hwmon chip from its files (Documentation/hwmon/sysfs-interface.rst): tempN_input in
 * millidegrees, with optional tempN_label, tempN_max and tempN_crit. `files` maps file name to content.
 * An input that cannot be read (some drivers answer EIO or ENODATA while a sensor sleeps) is skipped.
 */
export function parseHwmonChip(chip: string, files: Map<string, string>): SensorTemperature[] {
  const temps: SensorTemperature[] = [];
  for (const [file, content] of files) {
    const m = /^temp(\d+)_input$/.exec(file);
    if (!m) continue;
    const celsius = milli(content);
    if (celsius === null) continue;
    const n = m[1];
    temps.push({
      chip,
      label: files.get(`temp${n}_label`)?.trim() || `temp${n}`,
      celsius,
      highCelsius: milli(files.get(`temp${n}_max`)),
      criticalCelsius: milli(files.get(`temp${n}_crit`)),
    });
  }
  return temps.sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
}

/**
 * The temperature of one thermal zone (Documentation/driver-api/thermal/sysfs-api.rst): `temp` in
 * millidegrees, trip points trip_point_N_type ("critical", "hot", "passive", "active") and _temp.
 */
export function parseThermalZone(zone: string, files: Map<string, string>): SensorTemperature | null {
  const celsius = milli(files.get('temp'));
  if (celsius === null) return null;
  let high: number | null = null;
  let critical: number | null = null;
  for (const [file, content] of files) {
    const m = /^trip_point_(\d+)_type$/.exec(file);
    if (!m) continue;
    const temp = milli(files.get(`trip_point_${m[1]}_temp`));
    // An unset trip point reads as THERMAL_TEMP_INVALID (-274000) on current kernels and 0 on older ones.
    if (temp === null || temp <= 0) continue;
    const type = content.trim();
    if (type === 'critical') critical = temp;
    else if (type === 'hot' || (type === 'passive' && high === null)) high = temp;
  }
  return { chip: files.get('type')?.trim() || zone, label: zone, celsius, highCelsius: high, criticalCelsius: critical };
}

/** A frequency file of cpufreq, in kHz, as MHz. */
export function parseKhzAsMhz(text: string): number | null {
  const value = Number(text.trim());
  return text.trim() === '' || !Number.isFinite(value) ? null : value / 1000;
}
