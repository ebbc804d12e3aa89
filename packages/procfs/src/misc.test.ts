import { describe, expect, it } from 'vitest';
import { ProcfsParseError } from './errors.ts';
import { parseOsRelease, parsePasswd, parsePressure, parseUtmp, UTMP_RECORD_BYTES } from './misc.ts';

describe('parsePressure', () => {
  it.each([
    [
      'cpu on this machine (Linux 6.18, with "full" since 5.13)',
      'some avg10=1.60 avg60=0.90 avg300=0.70 total=6822290\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
      { some: { avg10: 1.6, avg60: 0.9, avg300: 0.7, total: 6822290 }, full: { avg10: 0, avg60: 0, avg300: 0, total: 0 } },
    ],
    [
      'io on this machine',
      'some avg10=0.00 avg60=0.00 avg300=0.03 total=1660154\nfull avg10=0.00 avg60=0.00 avg300=0.03 total=1604798\n',
      { some: { avg10: 0, avg60: 0, avg300: 0.03, total: 1660154 }, full: { avg10: 0, avg60: 0, avg300: 0.03, total: 1604798 } },
    ],
    [
      'cpu on Linux 5.4 (no "full" line)',
      'some avg10=12.51 avg60=9.87 avg300=4.02 total=987654321\n',
      { some: { avg10: 12.51, avg60: 9.87, avg300: 4.02, total: 987654321 }, full: null },
    ],
    [
      'keys in another order, an unknown key and no trailing newline',
      'some total=5 avg300=3 avg10=1 avg60=2 avg1=9',
      { some: { avg10: 1, avg60: 2, avg300: 3, total: 5 }, full: null },
    ],
  ])('parses %s', (_case, text, expected) => {
    expect(parsePressure(text)).toEqual(expected);
  });

  it('ignores lines that are neither "some" nor "full"', () => {
    expect(parsePressure('partial avg10=x\nsome avg10=1 avg60=2 avg300=3 total=4\n').full).toBeNull();
  });

  it.each([
    ['empty text', '', 'no "some" line'],
    ['a "full" line only', 'full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n', 'no "some" line'],
    ['a truncated "some" line', 'some avg10=0.00 avg60=0.00 avg300=0.00\n', 'field some.total is missing'],
    ['"some" alone', 'some\n', 'field some.avg10 is missing'],
    ['a key without "="', 'some avg10 avg60=0 avg300=0 total=0\n', 'field some.avg10 is missing'],
    ['a non-numeric average', 'some avg10=abc avg60=0 avg300=0 total=0\n', 'field some.avg10 is not a number: "abc"'],
    ['an empty total', 'some avg10=0 avg60=0 avg300=0 total=\n', 'field some.total is not a number: ""'],
    [
      'a bad "full" line',
      'some avg10=0 avg60=0 avg300=0 total=0\nfull avg10=0 avg60=x avg300=0 total=0\n',
      'field full.avg60 is not a number: "x"',
    ],
  ])('rejects %s', (_case, text, detail) => {
    expect(() => parsePressure(text)).toThrow(new ProcfsParseError('/proc/pressure', detail));
  });
});

// /etc/os-release of the dev VM (Debian 12).
const OS_RELEASE_DEBIAN_12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const OS_RELEASE_ALPINE = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
`;

// Arch is rolling: no VERSION_ID.
const OS_RELEASE_ARCH = `NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
ANSI_COLOR="38;2;23;147;209"
`;

describe('parseOsRelease', () => {
  it.each([
    [
      'Debian 12 on this machine',
      OS_RELEASE_DEBIAN_12,
      { id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    ],
    [
      'Alpine (unquoted values)',
      OS_RELEASE_ALPINE,
      { id: 'alpine', name: 'Alpine Linux', version: '3.19.1', prettyName: 'Alpine Linux v3.19' },
    ],
    ['Arch (no VERSION_ID)', OS_RELEASE_ARCH, { id: 'arch', name: 'Arch Linux', version: null, prettyName: 'Arch Linux' }],
    [
      'escaped quotes, dollar, backslash and backtick',
      'NAME="Acme \\"Roadrunner\\" OS"\nPRETTY_NAME="Acme \\$HOME \\\\ \\`x\\`"\nID=acme\n',
      { id: 'acme', name: 'Acme "Roadrunner" OS', version: null, prettyName: 'Acme $HOME \\ `x`' },
    ],
    ['single quotes', "NAME='My OS'\nID='myos'\nVERSION_ID='1.0'\n", { id: 'myos', name: 'My OS', version: '1.0', prettyName: 'My OS' }],
    [
      'comments, blank lines, CRLF and indentation',
      '# generated\r\n\r\n  ID=fedora\r\nNAME="Fedora Linux"\r\nVERSION_ID=40\r\n',
      { id: 'fedora', name: 'Fedora Linux', version: '40', prettyName: 'Fedora Linux' },
    ],
    ['empty text', '', { id: 'linux', name: 'Linux', version: null, prettyName: 'Linux' }],
    [
      'lines that are not assignments',
      'id=lower\nNAME = "spaced"\n1ID=digit\nexport ID=shell\nVERSION_ID\n',
      { id: 'linux', name: 'Linux', version: null, prettyName: 'Linux' },
    ],
    ['an unterminated quote (kept as written)', 'NAME="Broken\nID=x\n', { id: 'x', name: '"Broken', version: null, prettyName: '"Broken' }],
    ['mismatched quotes (kept as written)', 'NAME="Mixed\'\n', { id: 'linux', name: '"Mixed\'', version: null, prettyName: '"Mixed\'' }],
    ['a value containing "="', 'ID=x\nPRETTY_NAME="a=b"\n', { id: 'x', name: 'Linux', version: null, prettyName: 'a=b' }],
    ['a later duplicate (wins)', 'ID=first\nID=second\n', { id: 'second', name: 'Linux', version: null, prettyName: 'Linux' }],
  ])('parses %s', (_case, text, expected) => {
    expect(parseOsRelease(text)).toEqual(expected);
  });
});

// The first lines of /etc/passwd on the dev VM (Debian 12), and its last line.
const PASSWD_DEBIAN_12 = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;

describe('parsePasswd', () => {
  it('maps uids to names in a capture of this machine', () => {
    expect([...parsePasswd(PASSWD_DEBIAN_12)]).toEqual([
      [0, 'root'],
      [1, 'daemon'],
      [2, 'bin'],
      [3, 'sys'],
      [4, 'sync'],
      [65534, 'nobody'],
    ]);
  });

  it.each([
    ['a comment', '#alice:x:1000:1000::/home/alice:/bin/sh', []],
    ['a truncated line', 'alice:x', []],
    ['a non-numeric uid', 'alice:x:abc:1000::/home/alice:/bin/sh', []],
    ['a fractional uid', 'alice:x:10.5:1000::/home/alice:/bin/sh', []],
    ['a blank line', '', []],
    ['a second name for uid 0 (the first wins)', 'root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/csh', [[0, 'root']]],
    ['a NIS line after root', 'root:x:0:0::/root:/bin/sh\n+::::::', [[0, 'root']]],
    ['a line with only three fields', 'svc:x:999', [[999, 'svc']]],
  ])('handles %s', (_case, text, expected) => {
    expect([...parsePasswd(text)]).toEqual(expected);
  });

  // BUG: Number('') is 0 (misc.ts parsePasswd), so an empty uid field claims uid 0 when it comes before root.
  it.each([
    ['a truncated line', 'broken:x:\nroot:x:0:0:root:/root:/bin/bash\n'],
    ['a NIS "+" line', '+::::::\nroot:x:0:0:root:/root:/bin/bash\n'],
  ])('does not give uid 0 to %s with an empty uid', (_case, text) => {
    expect([...parsePasswd(text)]).toEqual([[0, 'root']]);
  });
});

// utmp types from <bits/utmp.h>.
const RUN_LVL = 1;
const BOOT_TIME = 2;
const LOGIN_PROCESS = 6;
const USER_PROCESS = 7;
const DEAD_PROCESS = 8;

/** One struct utmp as glibc lays it out on x86_64 (384 bytes, little-endian). */
function utmpRecord(type: number, user: string, line = '', host = ''): Buffer {
  const record = Buffer.alloc(UTMP_RECORD_BYTES);
  record.writeInt16LE(type, 0); // ut_type, then 2 bytes of padding
  record.writeInt32LE(type === USER_PROCESS ? 4242 : 0, 4); // ut_pid
  record.write(line, 8, 32); // ut_line[32]
  record.write(line.slice(-4), 40, 4); // ut_id[4]
  record.write(user, 44, 32); // ut_user[32]
  record.write(host, 76, 256); // ut_host[256]
  record.writeInt32LE(1795302329, 340); // ut_tv.tv_sec
  return record;
}

const UTMP_SERVER = Buffer.concat([
  utmpRecord(BOOT_TIME, 'reboot', '~', '6.18.44'),
  utmpRecord(RUN_LVL, 'runlevel', '~', '6.18.44'),
  utmpRecord(LOGIN_PROCESS, 'LOGIN', 'tty1'),
  utmpRecord(USER_PROCESS, 'root', 'pts/0', '192.0.2.10'),
  utmpRecord(USER_PROCESS, 'alice', 'pts/1', '198.51.100.7'),
  utmpRecord(USER_PROCESS, 'alice', 'pts/2', 'tmux(1234).%0'),
  utmpRecord(DEAD_PROCESS, 'bob', 'pts/3'),
]);

describe('parseUtmp', () => {
  it('counts USER_PROCESS records and lists their users once, sorted', () => {
    expect(parseUtmp(UTMP_SERVER)).toEqual({ sessions: 3, users: ['alice', 'root'] });
  });

  it('reads a 32-byte user name that has no NUL without running into ut_host', () => {
    const name = 'a'.repeat(30) + 'yz';
    expect(parseUtmp(utmpRecord(USER_PROCESS, name, 'pts/0', 'host.example'))).toEqual({ sessions: 1, users: [name] });
  });

  it('decodes a UTF-8 user name', () => {
    expect(parseUtmp(utmpRecord(USER_PROCESS, 'jürgen', 'pts/0')).users).toEqual(['jürgen']);
  });

  it('reads records from a view that does not start at the beginning of its buffer', () => {
    const backing = new Uint8Array(8 + UTMP_SERVER.length);
    backing.fill(USER_PROCESS, 0, 8);
    backing.set(UTMP_SERVER, 8);
    expect(parseUtmp(backing.subarray(8))).toEqual({ sessions: 3, users: ['alice', 'root'] });
  });

  it.each([
    ['an empty file', Buffer.alloc(0), { sessions: 0, users: [] }],
    [
      'a truncated last record',
      Buffer.concat([UTMP_SERVER, utmpRecord(USER_PROCESS, 'carol').subarray(0, 100)]),
      { sessions: 3, users: ['alice', 'root'] },
    ],
    ['a file shorter than one record', utmpRecord(USER_PROCESS, 'carol').subarray(0, UTMP_RECORD_BYTES - 1), { sessions: 0, users: [] }],
    ['a USER_PROCESS without a user name', utmpRecord(USER_PROCESS, '', 'pts/0'), { sessions: 0, users: [] }],
    ['a type written big-endian (0x0700)', utmpRecord(USER_PROCESS << 8, 'eve'), { sessions: 0, users: [] }],
    ['zeros only', Buffer.alloc(UTMP_RECORD_BYTES * 4), { sessions: 0, users: [] }],
  ])('handles %s', (_case, buffer, expected) => {
    expect(parseUtmp(buffer)).toEqual(expected);
  });
});
