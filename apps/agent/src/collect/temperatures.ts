import type { TemperatureReading } from '@vigil/schema';
import type { Collector } from './collector.ts';

/**
 * Temperatures from hwmon; the thermal zones only when hwmon has none, since most zones are also exposed
 * through hwmon and would be reported twice (psutil makes the same choice). No sensors is no data, not an error.
 */
export function temperaturesCollector(): Collector {
  return {
    name: 'temperatures',
    collect(ctx, out) {
      let sensors = ctx.sys.hwmonTemperatures();
      if (sensors.length === 0) sensors = ctx.sys.thermalZones();
      const readings: TemperatureReading[] = sensors.map((s) => ({ sensor: `${s.chip}_${s.label}`, ...s }));
      out.system.temperatures = readings;
    },
  };
}
