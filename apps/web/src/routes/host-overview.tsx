import { Meter } from '../components/ui/meter.tsx';
import { bytes, duration, number, percent, rate } from '../format.ts';
import { useHostFrame } from '../stores/use-live.ts';

/** Everything about a host now: cards, per-core bars, memory and swap, filesystems, disks, sensors, GPUs. */
export function Overview({ id }: { id: string }) {
  const host = useHostFrame(id);
  const f = host?.frame;
  if (!host || !f) return <p className="muted">Waiting for this host's next reading…</p>;
  const s = f.system;
  const h = host.summary;
  return (
    <div className="overview">
      <div className="stats">
        <div className="card stat">
          <div className="muted">CPU</div>
          <div className="big" data-testid="host-cpu">
            {percent(s.cpu?.total?.usagePercent)}
          </div>
          <div className="muted small">
            {s.cpu?.onlineCount} of {s.cpu?.logicalCount} CPUs · {number(s.cpu?.frequency.currentMhz)} MHz · iowait{' '}
            {percent(s.cpu?.total?.iowaitPercent)} · steal {percent(s.cpu?.total?.stealPercent)}
          </div>
        </div>
        <div className="card stat">
          <div className="muted">Load</div>
          <div className="big">{s.load?.load1.toFixed(2) ?? '–'}</div>
          <div className="muted small">
            5 min {s.load?.load5.toFixed(2)} · 15 min {s.load?.load15.toFixed(2)}
          </div>
        </div>
        <div className="card stat">
          <div className="muted">Uptime</div>
          <div className="big">{duration(s.uptime?.uptimeSeconds)}</div>
          <div className="muted small">{s.uptime?.users ?? 0} users logged in</div>
        </div>
        <div className="card stat">
          <div className="muted">Processes</div>
          <div className="big">{s.processes?.total ?? '–'}</div>
          <div className="muted small">
            {s.processes?.running} running · {s.processes?.zombie} zombie · {s.processes?.threads} threads
          </div>
        </div>
      </div>

      <div className="columns">
        <section className="card" aria-label="CPU cores">
          <h3>Cores</h3>
          <div className="cores">
            {s.cpu?.cores.map((c) => (
              <Meter
                key={c.cpu}
                compact
                label={`cpu${c.cpu}${c.online ? '' : ' (offline)'}`}
                value={c.times?.usagePercent ?? null}
                detail={c.online ? undefined : 'offline'}
              />
            ))}
          </div>
        </section>
        <section className="card" aria-label="Memory">
          <h3>Memory</h3>
          <Meter label="Memory" value={s.memory?.usedPercent} detail={`${bytes(s.memory?.usedBytes)} of ${bytes(s.memory?.totalBytes)}`} />
          <Meter
            label="Swap"
            value={s.swap?.usedPercent}
            detail={s.swap?.totalBytes ? `${bytes(s.swap.usedBytes)} of ${bytes(s.swap.totalBytes)}` : 'none'}
          />
          <dl className="facts">
            <dt>available</dt>
            <dd>{bytes(s.memory?.availableBytes)}</dd>
            <dt>cache</dt>
            <dd>{bytes(s.memory?.cachedBytes)}</dd>
            <dt>buffers</dt>
            <dd>{bytes(s.memory?.buffersBytes)}</dd>
            <dt>shared</dt>
            <dd>{bytes(s.memory?.sharedBytes)}</dd>
          </dl>
        </section>
      </div>

      <section className="card" aria-label="Filesystems">
        <h3>Filesystems</h3>
        {s.filesystems?.map((fs) => (
          <Meter
            key={fs.mountpoint}
            label={`${fs.mountpoint} (${fs.fstype}${fs.readOnly ? ', read-only' : ''})`}
            value={fs.usedPercent}
            detail={`${bytes(fs.usedBytes)} of ${bytes(fs.sizeBytes)} · inodes ${percent(fs.inodesUsedPercent, 0)}`}
          />
        ))}
      </section>

      <div className="columns">
        <section className="card" aria-label="Disk I/O">
          <h3>Disk I/O</h3>
          <table className="table">
            <thead>
              <tr>
                <th>Device</th>
                <th className="right">Read</th>
                <th className="right">Write</th>
                <th className="right">IOPS</th>
                <th className="right">Util</th>
              </tr>
            </thead>
            <tbody>
              {s.disks?.map((d) => (
                <tr key={d.device}>
                  <td>{d.device}</td>
                  <td className="right num">{rate(d.readBytesPerSecond)}</td>
                  <td className="right num">{rate(d.writeBytesPerSecond)}</td>
                  <td className="right num">{number((d.readsPerSecond ?? 0) + (d.writesPerSecond ?? 0))}</td>
                  <td className="right num">{percent(d.utilPercent, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card" aria-label="Temperatures">
          <h3>Temperatures</h3>
          {s.temperatures && s.temperatures.length > 0 ? (
            <table className="table">
              <tbody>
                {s.temperatures.map((t) => (
                  <tr key={t.sensor}>
                    <td>{t.sensor}</td>
                    <td
                      className={`right num ${t.criticalCelsius && t.celsius >= t.criticalCelsius ? 'critical' : t.highCelsius && t.celsius >= t.highCelsius ? 'warn' : ''}`}
                    >
                      {t.celsius.toFixed(1)} °C
                    </td>
                    <td className="right muted small">{t.highCelsius ? `high ${t.highCelsius} °C` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No temperature sensors on this host.</p>
          )}
        </section>
      </div>

      {s.gpus && s.gpus.length > 0 && (
        <section className="card" aria-label="GPUs">
          <h3>GPUs</h3>
          <div className="gpus">
            {s.gpus.map((g) => (
              <div key={g.index} className="gpu">
                <strong>
                  GPU {g.index}: {g.name}
                </strong>
                <Meter compact label="Utilisation" value={g.utilizationGpuPercent} />
                <Meter
                  compact
                  label="VRAM"
                  value={g.memoryUsedPercent}
                  detail={`${bytes(g.memoryUsedBytes)} of ${bytes(g.memoryTotalBytes)}`}
                />
                <div className="muted small">
                  {g.temperatureCelsius ?? '–'} °C · {g.powerDrawWatts?.toFixed(0) ?? '–'} W of {g.powerLimitWatts?.toFixed(0) ?? '–'} W ·
                  fan {g.fanSpeedPercent ?? '–'} %
                </div>
                {g.processes.length > 0 && (
                  <div className="muted small">{g.processes.map((p) => `${p.name} (${p.pid}) ${bytes(p.usedMemoryBytes)}`).join(', ')}</div>
                )}
              </div>
            ))}
          </div>
        </section>
      )}
      <p className="muted small">
        {h.vms} virtual machines · {h.containers} containers · reading of {new Date(f.ts).toLocaleTimeString()} took{' '}
        {f.durationMs.toFixed(1)} ms
      </p>
    </div>
  );
}
