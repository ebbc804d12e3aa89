#!/bin/sh
# Vigil agent installer: installs the agent (one file that needs only node >= 20) as a systemd service that
# streams this host's readings to a Vigil hub. The hub serves this script at /install.sh with its own URL as
# the default of --hub:
#
#   curl -fsSL https://HUB/install.sh | sudo sh -s -- --hub https://HUB --token vgl_agent_...
#
# Options:
#   --hub URL        the hub (default: the hub that served this script, or the one already configured)
#   --token TOKEN    an agent token (dashboard: Settings, Add a host; or `vigil token create --kind agent`).
#                    Needed the first time; given again, it replaces the configuration (the old one is kept
#                    as agent.yaml.bak)
#   --hostname NAME  report this name instead of the system's host name
#   --node PATH      the node (>= 20) that runs the agent (default: the first in PATH)
#   --sha256 HEX     expect this checksum of the agent instead of the one the hub publishes beside it
#   --dry-run        say what would be done, change nothing, contact nothing
#   --uninstall      stop and remove the agent, its configuration and its spool (the vigil user stays)
#   -h, --help       this text
# Environment: DESTDIR=/some/dir installs under that folder instead of / (to try or test the installation),
# without creating the user, changing owners or calling systemctl.
#
# It installs /opt/vigil/vigil-agent.mjs, /etc/vigil/agent.yaml (hub and host name, root:vigil 0640),
# /etc/vigil/agent.env (the token, root:root 0600: systemd reads it as root, the agent's user never can) and
# /etc/systemd/system/vigil-agent.service; the agent spools to /var/lib/vigil-agent. Running it again
# upgrades the agent and keeps the configuration unless --token is given. It does not install Node.js.
set -eu

# The hub that serves this script writes its URL here.
VIGIL_HUB_DEFAULT=''

OPT_DIR=/opt/vigil
BUNDLE=$OPT_DIR/vigil-agent.mjs
ETC_DIR=/etc/vigil
CONFIG=$ETC_DIR/agent.yaml
ENV_FILE=$ETC_DIR/agent.env
UNIT_DIR=/etc/systemd/system
UNIT=$UNIT_DIR/vigil-agent.service
STATE_DIR=/var/lib/vigil-agent

say() { printf 'vigil: %s\n' "$*"; }
warn() { printf 'vigil: warning: %s\n' "$*" >&2; }
die() {
  printf 'vigil: error: %s\n' "$*" >&2
  exit 1
}

# usage: the comment above, when this script is a file (piped into sh, it has no $0 to read).
usage() {
  if [ -f "$0" ]; then
    sed -n '2,/^set -eu$/{/^set -eu$/d;s/^# \{0,1\}//;p;}' "$0"
  else
    say "options: --hub URL --token TOKEN [--hostname NAME] [--node PATH] [--sha256 HEX] [--dry-run] [--uninstall]"
  fi
}

HUB=''
TOKEN=''
AGENT_HOSTNAME=''
NODE=''
SHA256=''
DRY_RUN=0
UNINSTALL=0
while [ $# -gt 0 ]; do
  case $1 in
    --hub | --token | --hostname | --node | --sha256)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --hub) HUB=$2 ;;
        --token) TOKEN=$2 ;;
        --hostname) AGENT_HOSTNAME=$2 ;;
        --node) NODE=$2 ;;
        --sha256) SHA256=$2 ;;
      esac
      shift 2
      ;;
    --hub=*) HUB=${1#*=} && shift ;;
    --token=*) TOKEN=${1#*=} && shift ;;
    --hostname=*) AGENT_HOSTNAME=${1#*=} && shift ;;
    --node=*) NODE=${1#*=} && shift ;;
    --sha256=*) SHA256=${1#*=} && shift ;;
    --dry-run) DRY_RUN=1 && shift ;;
    --uninstall) UNINSTALL=1 && shift ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

ROOT=${DESTDIR:-}
ROOT=${ROOT%/}
case $ROOT in
  '' | /*) ;;
  *) die "DESTDIR must be an absolute path" ;;
esac
if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run this as root (curl ... | sudo sh -s -- ...), or set DESTDIR to install into a test folder"
fi

# New files are private until given their modes: the token is never readable by others, not even briefly.
umask 077

# run CMD...: runs a command, or says it would.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    say "would run: $*"
  else
    "$@"
  fi
}

# systemd_running: whether this script may call systemctl (not in a DESTDIR, and systemd is the init system).
systemd_running() {
  [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

CHANGED=0
# put SRC DEST MODE OWNER: installs SRC as DEST (under DESTDIR) atomically: a copy beside it, then a rename.
put() {
  if [ "$DRY_RUN" = 1 ]; then
    say "would install $ROOT$2 (mode $3, owner $4)"
    return 0
  fi
  if [ -f "$ROOT$2" ] && cmp -s "$1" "$ROOT$2"; then
    chmod "$3" "$ROOT$2"
    [ -n "$ROOT" ] || chown "$4" "$ROOT$2"
    return 0
  fi
  cp "$1" "$ROOT$2.new"
  chmod "$3" "$ROOT$2.new"
  [ -n "$ROOT" ] || chown "$4" "$ROOT$2.new"
  mv -f "$ROOT$2.new" "$ROOT$2"
  say "installed $ROOT$2"
  CHANGED=1
}

# directory DIR MODE: creates DIR (under DESTDIR) with that mode, owned by root.
directory() {
  if [ "$DRY_RUN" = 1 ]; then
    [ -d "$ROOT$1" ] || say "would create $ROOT$1 (mode $2)"
    return 0
  fi
  # Parents that are missing get the usual 0755, so that the vigil user can reach its files.
  (umask 022 && mkdir -p "$ROOT$1")
  chmod "$2" "$ROOT$1"
}

uninstall() {
  if systemd_running; then
    run systemctl disable --now vigil-agent.service 2>/dev/null || true
  fi
  for file in "$UNIT" "$BUNDLE" "$CONFIG" "$CONFIG.bak" "$ENV_FILE"; do
    if [ -e "$ROOT$file" ]; then
      run rm -f "$ROOT$file"
      say "removed $ROOT$file"
    fi
  done
  if [ -d "$ROOT$STATE_DIR" ]; then
    run rm -rf "$ROOT$STATE_DIR"
    say "removed $ROOT$STATE_DIR (the spool: frames the hub had not acknowledged are gone)"
  fi
  for dir in "$OPT_DIR" "$ETC_DIR"; do
    if [ -d "$ROOT$dir" ]; then run rmdir "$ROOT$dir" 2>/dev/null || true; fi
  done
  if systemd_running; then run systemctl daemon-reload; fi
  [ -z "$ROOT" ] || say "DESTDIR is set: systemctl was not called"
  say "the agent is uninstalled; the vigil user stays (a hub on this host may use it; 'userdel vigil' removes it)"
}

if [ "$UNINSTALL" = 1 ]; then
  uninstall
  exit 0
fi

need_node() {
  die "$1
Node.js 20 or newer runs the agent, and this script does not install it. Install it, then run this again:
  Debian 13, Fedora 39 or newer:      your distribution's nodejs package (apt-get/dnf install nodejs)
  RHEL, Rocky, Alma 8 and 9:          dnf module install nodejs:20
  Debian 12, Ubuntu and the others:   the packages of NodeSource (github.com/nodesource/distributions)
                                      or the official binaries from https://nodejs.org/en/download
Check with 'node --version'; give another node with --node /path/to/node."
}

# Node: an absolute path the service can reach, version 20 or newer.
[ -n "$NODE" ] || NODE=$(command -v node 2>/dev/null || true)
[ -n "$NODE" ] || need_node "node was not found in PATH ($PATH)."
case $NODE in
  /*) ;;
  *) die "--node must be an absolute path, not $NODE" ;;
esac
case $NODE in
  *[!A-Za-z0-9._/+-]*) die "the path of node ($NODE) has characters a unit file cannot take; give another with --node" ;;
esac
[ -x "$NODE" ] || need_node "$NODE is not an executable."
NODE_MAJOR=$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
case $NODE_MAJOR in
  '' | *[!0-9]*) NODE_MAJOR=0 ;;
esac
[ "$NODE_MAJOR" -ge 20 ] || need_node "$NODE is Node.js $("$NODE" --version 2>/dev/null || echo '(unknown version)'), older than 20."
case $NODE in
  /home/* | /root/* | /run/user/*)
    if [ -z "$ROOT" ]; then die "$NODE is in a home folder, which the service cannot see (ProtectHome): install Node.js for the whole system, or give one with --node"; fi
    warn "$NODE is in a home folder, which the service will not see (ProtectHome)"
    ;;
esac

# The hub: --hub, else the hub that served this script, else the one configured by an earlier install.
if [ -z "$HUB" ]; then HUB=$VIGIL_HUB_DEFAULT; fi
if [ -z "$HUB" ] && [ -f "$ROOT$CONFIG" ]; then HUB=$(sed -n "s/^hub: *'\(.*\)'\$/\1/p" "$ROOT$CONFIG"); fi
[ -n "$HUB" ] || die "--hub is required (the hub's URL, e.g. http://hub.example:7070)"
HUB=${HUB%/}
case $HUB in
  http://?* | https://?*) ;;
  *) die "--hub must be an http:// or https:// URL, not $HUB" ;;
esac
case $HUB in
  *[[:space:][:cntrl:]?#\'\"\\\`\$]*) die "--hub takes the URL of the hub, without spaces, quotes, query or fragment: $HUB" ;;
esac
case $TOKEN in
  *[!A-Za-z0-9._~+/=-]*) die "--token has characters an agent token does not (copy it again from the hub)" ;;
esac
case $AGENT_HOSTNAME in
  *[!A-Za-z0-9._-]*) die "--hostname takes letters, digits, '.', '_' and '-' only" ;;
esac
case $SHA256 in
  *[!0-9a-f]*) die "--sha256 takes 64 lower-case hexadecimal digits" ;;
esac

if [ -z "$TOKEN" ] && [ ! -f "$ROOT$ENV_FILE" ]; then
  die "--token is required for the first installation (create one on the hub: Settings, Add a host)"
fi

if [ "$DRY_RUN" = 0 ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  trap 'exit 1' INT TERM
else
  WORK=/nonexistent
fi

# fetch URL FILE
fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1" || die "cannot download $1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "cannot download $1"
  else
    die "curl or wget is needed to download the agent"
  fi
}

# sha256_of FILE: its SHA-256 in hexadecimal (with sha256sum, shasum, or node itself).
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    "$NODE" -e 'const c = require("node:crypto"); process.stdout.write(c.createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' "$1"
  fi
}

# 1. The agent, checked against its published checksum (or --sha256) and run once before it is installed.
# A checksum from the same hub proves the file arrived whole, not who sent it: use an https:// hub, or pass
# --sha256 learnt another way.
if [ "$DRY_RUN" = 1 ]; then
  say "would download $HUB/agent/vigil-agent.mjs and check its sha256 (${SHA256:-from $HUB/agent/vigil-agent.mjs.sha256})"
else
  fetch "$HUB/agent/vigil-agent.mjs" "$WORK/vigil-agent.mjs"
  if [ -z "$SHA256" ]; then
    fetch "$HUB/agent/vigil-agent.mjs.sha256" "$WORK/vigil-agent.mjs.sha256"
    SHA256=$(cut -d' ' -f1 <"$WORK/vigil-agent.mjs.sha256")
  fi
  [ ${#SHA256} -eq 64 ] || die "the hub published no valid checksum for the agent"
  ACTUAL=$(sha256_of "$WORK/vigil-agent.mjs")
  [ "$ACTUAL" = "$SHA256" ] || die "the downloaded agent's sha256 is $ACTUAL, expected $SHA256: not installed"
  VERSION=$("$NODE" "$WORK/vigil-agent.mjs" --version 2>/dev/null) || die "the downloaded agent does not run with $NODE"
  say "downloaded the agent $VERSION from $HUB (sha256 $SHA256, verified)"
fi

# 2. The vigil user: a system user without a login shell or home.
if [ -n "$ROOT" ]; then
  say "DESTDIR is set: not creating the vigil user, not changing owners"
elif id vigil >/dev/null 2>&1; then
  :
else
  command -v useradd >/dev/null 2>&1 || die "useradd is needed to create the vigil user"
  NOLOGIN=$(command -v nologin 2>/dev/null || echo /usr/sbin/nologin)
  if getent group vigil >/dev/null 2>&1; then GROUP_OPTION='--gid vigil'; else GROUP_OPTION='--user-group'; fi
  # shellcheck disable=SC2086 # GROUP_OPTION is two words on purpose
  run useradd --system $GROUP_OPTION --home-dir /nonexistent --no-create-home --shell "$NOLOGIN" --comment 'Vigil monitor' vigil
  say "created the system user vigil"
fi

# 3. Files.
directory "$OPT_DIR" 0755
directory "$ETC_DIR" 0755
directory "$UNIT_DIR" 0755
put "$WORK/vigil-agent.mjs" "$BUNDLE" 0755 root:root

if [ -n "$TOKEN" ]; then
  if [ "$DRY_RUN" = 0 ]; then
    {
      echo "# Vigil agent, written by install.sh (the token is in agent.env). After a change: systemctl restart vigil-agent"
      echo "hub: '$HUB'"
      if [ -n "$AGENT_HOSTNAME" ]; then echo "hostname: '$AGENT_HOSTNAME'"; fi
      echo "# interval: 1                          # seconds between readings, until the hub asks otherwise"
      echo "# textfileDir: /var/lib/vigil-agent/textfile   # *.prom files in the Prometheus text format"
      echo "# plugins:                             # custom metrics from commands (README.md, Configuration)"
      echo "#   - { name: db_connections, command: \"psql -tAc 'select count(*) from pg_stat_activity'\", interval: 10, timeout: 5 }"
    } >"$WORK/agent.yaml"
    {
      echo "# Vigil agent token, written by install.sh. Read by systemd as root: keep it root:root 0600."
      echo "VIGIL_TOKEN=$TOKEN"
    } >"$WORK/agent.env"
    if [ -f "$ROOT$CONFIG" ] && ! cmp -s "$WORK/agent.yaml" "$ROOT$CONFIG"; then
      cp -p "$ROOT$CONFIG" "$ROOT$CONFIG.bak"
      say "kept the previous configuration as $ROOT$CONFIG.bak"
    fi
  fi
  put "$WORK/agent.yaml" "$CONFIG" 0640 root:vigil
  put "$WORK/agent.env" "$ENV_FILE" 0600 root:root
else
  say "kept the configuration in $ROOT$ETC_DIR (give --token to write a new one)"
fi

# The unit, as deploy/systemd/vigil-agent.service, with this host's node.
if [ "$DRY_RUN" = 0 ]; then
  cat >"$WORK/unit" <<'UNIT'
# Vigil agent: streams this host's readings to a Vigil hub (deploy/README.md).
# Installed by deploy/install.sh (and the Ansible role) as /etc/systemd/system/vigil-agent.service, with
#   /opt/vigil/vigil-agent.mjs   the agent, one file that needs only node >= 20
#   /etc/vigil/agent.yaml        hub, hostname, plugins (root:vigil 0640)
#   /etc/vigil/agent.env         VIGIL_TOKEN=... (root:root 0600: systemd reads it as root, the agent never can)
# The token comes through the environment, never the command line: /proc/<pid>/cmdline is readable by every
# user, /proc/<pid>/environ only by the process's own user and root.

[Unit]
Description=Vigil agent (streams this host's readings to a Vigil hub)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=vigil
Group=vigil
EnvironmentFile=/etc/vigil/agent.env
ExecStart=/usr/bin/node /opt/vigil/vigil-agent.mjs --config /etc/vigil/agent.yaml --spool /var/lib/vigil-agent/spool
Restart=on-failure
RestartSec=5s
# Unacknowledged frames stay in the spool and are sent at the next start.
KillSignal=SIGTERM
TimeoutStopSec=20s

# /var/lib/vigil-agent, owned by vigil, mode 0700: the spool of frames while the hub is unreachable.
StateDirectory=vigil-agent
StateDirectoryMode=0700

# Capabilities: an unprivileged user reads every process's stat, status and cmdline, but not the files the
# kernel guards with a ptrace access check (proc(5)). The agent gets, and can only ever get, these three:
#   CAP_DAC_READ_SEARCH  open /proc/<pid>/io and list /proc/<pid>/fd of processes of other users (their
#                        mode is 0400/0500 owned by the process's user)
#   CAP_SYS_PTRACE       pass the ptrace access check behind those files: per-process disk I/O, open-file
#                        counts, and which process owns each socket (the connections view)
#   CAP_KILL             signal processes of other users, for the hub's process control (suspend, resume,
#                        terminate, kill; the agent refuses PID 1, kernel threads and itself)
# The trade-off: with these the agent reads what root reads. CAP_DAC_READ_SEARCH passes the read permission
# check of every file, and CAP_SYS_PTRACE opens other processes' /proc/<pid>/mem and environ, and would let a
# process attach to any other, which is as much as root. What is left of them here is reading, never writing
# nor attaching: the system calls that use ptrace rights (ptrace, process_vm_readv/writev, pidfd_getfd, kcmp)
# are filtered out below, /proc is mounted read-only for the agent (a read-only mount refuses to open
# /proc/<pid>/mem for writing), devices are closed but for the GPU's, /etc/shadow is hidden, and nothing but
# the spool is writable. Remove CAP_KILL to let process control signal only the agent's own processes; drop
# all three ("least privilege" in deploy/README.md) for an agent that reports other users' processes without
# their I/O, open files and sockets. Child processes (nvidia-smi, custom metric plugins) inherit them.
AmbientCapabilities=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_KILL
CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_KILL
NoNewPrivileges=yes

# Sandbox (systemd.exec(5), systemd.resource-control(5)). The agent writes only its spool.
ProtectSystem=strict
ReadOnlyPaths=/proc
# Read-only rather than hidden: the agent measures /home's disk usage like every other file system's, and an
# overmounted /home would report the overmount's.
ProtectHome=read-only
InaccessiblePaths=-/etc/shadow -/etc/gshadow
PrivateTmp=yes
# Devices: the pseudo-devices every program needs, and NVIDIA's (nvidia-smi talks to the driver through
# /dev/nvidia*), not disks: CAP_DAC_READ_SEARCH would otherwise read them raw.
DevicePolicy=closed
DeviceAllow=char-nvidia* rw
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@debug @mount @privileged @reboot @swap @obsolete @cpu-emulation @raw-io process_vm_readv process_vm_writev kcmp
SystemCallErrorNumber=EPERM
# No MemoryDenyWriteExecute=: V8's JIT compiler needs memory that is writable and executable.
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT
  sed "s#^ExecStart=/usr/bin/node #ExecStart=$NODE #" "$WORK/unit" >"$WORK/unit.node"
fi
put "$WORK/unit.node" "$UNIT" 0644 root:root

# 4. The service.
EXEC_START="$NODE $BUNDLE --config $CONFIG --spool $STATE_DIR/spool"
if [ -n "$ROOT" ]; then
  say "DESTDIR is set: systemctl was not called; the service would run, as the user vigil, with the variables of $ENV_FILE:"
  say "  $EXEC_START"
  exit 0
fi
if ! systemd_running; then
  warn "systemd is not running here: start the agent with your init system, as the user vigil, with the variables of $ENV_FILE:"
  warn "  $EXEC_START"
  exit 0
fi
run systemctl daemon-reload
run systemctl enable vigil-agent.service
if [ "$CHANGED" = 1 ] || ! systemctl is-active --quiet vigil-agent.service; then
  run systemctl restart vigil-agent.service
fi
say "the agent is running and should appear on $HUB within seconds."
say "  logs:      journalctl -u vigil-agent -f"
say "  status:    systemctl status vigil-agent"
say "  settings:  $CONFIG (token in $ENV_FILE), then: systemctl restart vigil-agent"
say "  remove:    curl -fsSL $HUB/install.sh | sudo sh -s -- --uninstall"
