import { describe, expect, it } from 'vitest';
import { parseCpuinfo } from './cpuinfo.ts';
import { ProcfsParseError } from './errors.ts';

// Captured on the dev VM (Linux 6.18, KVM, 2 vCPUs); flags and bugs lines shortened.
const CPUINFO_XEON_VM = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 207
model name	: Intel(R) Xeon(R) Processor
stepping	: 2
microcode	: 0x1
cpu MHz		: 2100.000
cache size	: 307200 KB
physical id	: 0
siblings	: 2
core id		: 0
cpu cores	: 2
apicid		: 0
initial apicid	: 0
fpu		: yes
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov hypervisor
bugs		: spectre_v1 spectre_v2 spec_store_bypass swapgs
bogomips	: 4200.00
clflush size	: 64
address sizes	: 46 bits physical, 57 bits virtual
power management:

processor	: 1
vendor_id	: GenuineIntel
cpu family	: 6
model		: 207
model name	: Intel(R) Xeon(R) Processor
stepping	: 2
microcode	: 0x1
cpu MHz		: 2100.000
cache size	: 307200 KB
physical id	: 0
siblings	: 2
core id		: 1
cpu cores	: 2
apicid		: 1
initial apicid	: 1
fpu		: yes
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov hypervisor
bugs		: spectre_v1 spectre_v2 spec_store_bypass swapgs
bogomips	: 4200.00
clflush size	: 64
address sizes	: 46 bits physical, 57 bits virtual
power management:

`;

// One socket, two cores with two hyperthreads each (core id repeats across siblings).
const CPUINFO_HYPERTHREADED = [0, 1, 2, 3]
  .map(
    (n) => `processor	: ${n}
model name	: Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz
cpu MHz		: ${[800.012, 3100.5, 799.9, 2700][n]}
physical id	: 0
core id		: ${n % 2}
`,
  )
  .join('\n');

// Two sockets with four cores each: core ids repeat per socket.
const CPUINFO_TWO_SOCKETS = [0, 1, 2, 3, 4, 5, 6, 7]
  .map((n) => `processor\t: ${n}\nmodel name\t: AMD EPYC 7302 16-Core Processor\nphysical id\t: ${n >> 2}\ncore id\t\t: ${n % 4}\n`)
  .join('\n');

// Raspberry Pi 2 on Linux 3.18 (32-bit ARM): "Processor" names the model before the first entry.
const CPUINFO_ARMV7_3_18 = `Processor	: ARMv7 Processor rev 5 (v7l)
processor	: 0
BogoMIPS	: 38.40

processor	: 1
BogoMIPS	: 38.40

Features	: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm
CPU implementer	: 0x41
CPU architecture: 7
CPU variant	: 0x0
CPU part	: 0xc07
CPU revision	: 5

Hardware	: BCM2709
Revision	: a01041
Serial		: 000000003b3c6b6f
`;

// Raspberry Pi 4 on Linux 5.15 (arm64): no model name at all; "Hardware" comes in the last block.
const CPUINFO_ARM64_PI4 = `processor	: 0
BogoMIPS	: 108.00
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x0
CPU part	: 0xd08
CPU revision	: 3

processor	: 1
BogoMIPS	: 108.00
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x0
CPU part	: 0xd08
CPU revision	: 3

Hardware	: BCM2835
Revision	: c03114
Serial		: 100000002b47d1f1
Model		: Raspberry Pi 4 Model B Rev 1.4
`;

// An OpenWrt router (MIPS 24Kc): "cpu model" instead of "model name".
const CPUINFO_MIPS = `system type		: Atheros AR9344 rev 2
machine			: TP-LINK TL-WDR3600/4300/4310
processor		: 0
cpu model		: MIPS 24Kc V7.4
BogoMIPS		: 278.93
`;

describe('parseCpuinfo', () => {
  it('parses a capture of this machine', () => {
    expect(parseCpuinfo(CPUINFO_XEON_VM)).toEqual({
      processors: [
        { processor: 0, modelName: 'Intel(R) Xeon(R) Processor', mhz: 2100, physicalId: 0, coreId: 0 },
        { processor: 1, modelName: 'Intel(R) Xeon(R) Processor', mhz: 2100, physicalId: 0, coreId: 1 },
      ],
      modelName: 'Intel(R) Xeon(R) Processor',
      physicalCores: 2,
    });
  });

  it.each([
    ['hyperthreads share a core', CPUINFO_HYPERTHREADED, 4, 2],
    ['core ids repeat per socket', CPUINFO_TWO_SOCKETS, 8, 8],
    ['ARM without topology', CPUINFO_ARMV7_3_18, 2, null],
  ])('counts physical cores when %s', (_case, text, processors, physicalCores) => {
    const info = parseCpuinfo(text);
    expect(info.processors).toHaveLength(processors);
    expect(info.physicalCores).toBe(physicalCores);
  });

  it.each([
    ['a 3.x ARM "Processor" line', CPUINFO_ARMV7_3_18, 'ARMv7 Processor rev 5 (v7l)'],
    ['an arm64 "Hardware" line in the last block', CPUINFO_ARM64_PI4, 'BCM2835'],
    ['a MIPS "cpu model" line', CPUINFO_MIPS, 'MIPS 24Kc V7.4'],
    ['x86 "model name"', CPUINFO_HYPERTHREADED, 'Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz'],
    ['nothing at all', 'processor\t: 0\n', 'unknown'],
  ])('takes the model from %s', (_case, text, modelName) => {
    expect(parseCpuinfo(text).modelName).toBe(modelName);
  });

  it('reads fractional and per-CPU frequencies', () => {
    expect(parseCpuinfo(CPUINFO_HYPERTHREADED).processors.map((p) => p.mhz)).toEqual([800.012, 3100.5, 799.9, 2700]);
  });

  it.each([
    ['a non-numeric frequency', 'processor\t: 0\ncpu MHz\t\t: fast\n', { mhz: null }],
    ['a non-numeric core id', 'processor\t: 0\ncore id\t\t: n/a\nphysical id\t: 0\n', { coreId: null, physicalId: 0 }],
    ['a line without a colon', 'processor\t: 0\ngarbage line\nmodel name\t: X\n', { modelName: 'X' }],
    ['a value containing colons', 'processor\t: 0\nmodel name\t: ACME: Turbo: 9000\n', { modelName: 'ACME: Turbo: 9000' }],
    ['extra spaces and tabs around the colon', 'processor    :    0   \n  model name :  X  \n', { processor: 0, modelName: 'X' }],
  ])('reads %s', (_case, text, expected) => {
    expect(parseCpuinfo(text).processors[0]).toMatchObject(expected);
  });

  it('skips an entry whose processor number is not a number', () => {
    const info = parseCpuinfo('processor\t: zero\nmodel name\t: A\n\nprocessor\t: 1\nmodel name\t: B\n');
    expect(info.processors.map((p) => p.processor)).toEqual([1]);
  });

  it('reports a truncated entry with its unknown fields as null', () => {
    expect(parseCpuinfo('processor\t: 0')).toEqual({
      processors: [{ processor: 0, modelName: null, mhz: null, physicalId: null, coreId: null }],
      modelName: 'unknown',
      physicalCores: null,
    });
  });

  it.each([
    ['empty text', ''],
    ['blank lines', '\n\n  \n'],
    ['no processor entries', 'Hardware\t: BCM2835\nRevision\t: c03114\n'],
    ['only non-numeric processor entries', 'processor\t: -1\n\nprocessor\t: 0x1\n'],
  ])('rejects %s', (_case, text) => {
    expect(() => parseCpuinfo(text)).toThrow(new ProcfsParseError('/proc/cpuinfo', 'no "processor" entries'));
  });

  // BUG: Number('') is 0, so an empty value reads as 0 MHz instead of "unknown" (cpuinfo.ts numberOrNull).
  it('reports an empty frequency as unknown, not 0 MHz', () => {
    expect(parseCpuinfo('processor\t: 0\ncpu MHz\t\t:\n').processors[0]?.mhz).toBeNull();
  });
});
