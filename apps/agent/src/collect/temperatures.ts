import type { TemperatureReading } from '@vigil/schema';
import type { Collector } from './collector.ts';

/** A host without sensors (most VMs) is looked at again after this long, not every second. */
const RECHECK_MS = 60_000;

/**
 * Temperatures from hwmon; the thermal zones only when hwmon has none, since most zones are also exposed
 * through hwmon and would be reported twice (psutil makes the same choice). No sensors is no data, not an error.
 */
export function temperaturesCollector(): Collector {
  let noneSince = Number.NEGATIVE_INFINITY;
  return {
    name: 'temperatures',
    collect(ctx, out) {
      if (ctx.monotonicMs - noneSince < RECHECK_MS) {
        out.system.temperatures = [];
        return;
      }
      let sensors = ctx.sys.hwmonTemperatures();
      if (sensors.length === 0) sensors = ctx.sys.thermalZones();
      if (sensors.length === 0) noneSince = ctx.monotonicMs;
      const readings: TemperatureReading[] = sensors.map((s) => ({ sensor: `${s.chip}_${s.label}`, ...s }));
      out.system.temperatures = readings;
    },
  };
}
