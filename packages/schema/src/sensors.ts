import * as z from 'zod';

/**
 * A temperature sensor from /sys/class/hwmon (Documentation/hwmon/sysfs-interface.rst) or, when hwmon has
 * none, /sys/class/thermal. `sensor` is "<chip>_<label>", e.g. "coretemp_Core 0", as seed 003 names them.
 */
export const TemperatureReading = z.object({
  sensor: z.string(),
  chip: z.string(),
  label: z.string(),
  celsius: z.number(),
  highCelsius: z.number().nullable(),
  criticalCelsius: z.number().nullable(),
});
export type TemperatureReading = z.infer<typeof TemperatureReading>;
