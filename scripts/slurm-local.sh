#!/bin/sh
# Starts a one-node Slurm cluster on this machine for the Slurm tests (Debian's slurm-wlm and
# munge, installed when missing; needs root or passwordless sudo). Idempotent: does nothing when
# `scontrol ping` already answers. State lives in /var/lib/sift-slurm.
set -eu
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
if ! command -v sbatch >/dev/null 2>&1 || ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  echo "Installing Debian packages: slurm-wlm munge"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm munge
fi
if scontrol ping 2>/dev/null | grep -q "is UP"; then exit 0; fi
host=$(hostname -s)
dir=/var/lib/sift-slurm
cpus=$(nproc)
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
$SUDO mkdir -p "$dir/state" "$dir/spool" /etc/slurm /run/munge /var/log/munge /var/lib/munge
$SUDO tee /etc/slurm/slurm.conf >/dev/null <<CONF
ClusterName=sift
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=30
# Schedule pending tasks every 2 s (default 60 s), so array tasks held back by %P start promptly.
SchedulerParameters=sched_interval=2,bf_interval=2
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
if [ ! -s /etc/munge/munge.key ]; then $SUDO sh -c 'dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null'; fi
$SUDO chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
$SUDO chmod 0700 /etc/munge /var/log/munge /var/lib/munge
$SUDO chmod 0755 /run/munge
$SUDO chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || $SUDO runuser -u munge -- /usr/sbin/munged
pgrep -x slurmctld >/dev/null || $SUDO /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || $SUDO /usr/sbin/slurmd
for _ in $(seq 1 60); do
  if scontrol ping 2>/dev/null | grep -q "is UP" && sinfo -h -o %T 2>/dev/null | grep -qE "^(idle|mixed|allocated)"; then
    echo "Slurm is up on $host ($cpus CPUs)"; exit 0
  fi
  sleep 1
done
echo "error: Slurm did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
exit 1
