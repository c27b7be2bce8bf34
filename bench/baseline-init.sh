#!/bin/sh
# The baseline of scripts/bench-boot: the /init an operator would write
# instead of the kiOS init, run by Debian's busybox-static (/bin/sh is a
# link to /bin/busybox). It does the init's mounts, starts the same
# stand-ins the same way (cri-o in the background, its socket polled every
# 10 ms, then the kubelet) and prints the same milestone lines to
# /dev/kmsg, so one parser reads both consoles.
# Shutdown: no system socket. 500 ms after kubelet-exec (in our
# configuration the kubelet stand-in sends 0x01 at 300 ms and answers 0x02
# 200 ms later) it prints shutdown-continued, stops the kubelet, then
# cri-o, and powers off: the shutdown phase is measured from its own
# shutdown-continued line, as ours is.
# In an archive of the containerd profile (its /etc/containerd/config.toml
# is there: scripts/bench-boot --runtime containerd) it runs containerd and
# the CRI kubelet stand-in instead, with real pods: then it first takes the
# step the kiOS init takes first (src/root.rs), / bound on itself and
# entered, without which runc cannot pivot_root out of the kernel's rootfs
# and no container starts; and it waits for the stand-in's `pods ready`
# line (polled every 200 ms) instead of the 500 ms.
m() { echo "<6>kios: milestone $*" > /dev/kmsg; }

runtime=crio
[ ! -f /etc/containerd/config.toml ] || runtime=containerd
if [ "$runtime" = containerd ] && [ "$1" != rooted ]; then
    mount -o rbind / / && exec chroot /.. /bin/sh /init rooted
fi

mount -t devtmpfs -o nosuid,noexec,mode=0755 devtmpfs /dev
m init-start
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mkdir -p /dev/pts
mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t securityfs -o nosuid,nodev,noexec securityfs /sys/kernel/security
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
mkdir -p /var/lib
for d in /run:0755 /tmp:1777 /var/cache:0755 /var/tmp:1777 /var/run:0755 /var/lib/kubelet:0755; do
    mkdir -p "${d%:*}"
    mount -t tmpfs -o "nosuid,nodev,mode=${d#*:}" tmpfs "${d%:*}"
done
mount --make-shared /var/run
mount --make-shared /var/lib/kubelet
mount --make-rshared /
mkdir -m 0700 /var/run/crio
mkdir -m 0750 /var/lib/kubelet/pods
mkdir -m 0755 /var/lib/kubelet/seccomp
m base-mounts
m datapart-skipped
[ ! -f /etc/hostname ] || hostname -F /etc/hostname
cd /

if [ "$runtime" = containerd ]; then
    socket=/run/containerd/containerd.sock
    env -i PATH=/bin /bin/containerd --address $socket --root /var/lib/containers/storage/containerd \
        --state /run/containerd > /var/log/containerd.log 2>&1 &
else
    socket=/var/run/crio/crio.sock
    env -i PATH=/bin /bin/crio --runtimes crun:/bin/crun:/var/run/crun:oci --cgroup-manager cgroupfs \
        --default-runtime crun --listen $socket --conmon /bin/conmon --conmon-cgroup pod \
        --pinns-path /bin/pinns > /var/log/crio.log 2>&1 &
fi
rt=$!
m runtime-exec pid $rt
until [ -S $socket ]; do usleep 10000; done
m runtime-ready
env -i PATH=/bin /bin/kubelet --config /etc/kubernetes/config.yaml > /var/log/kubelet.log 2>&1 &
kubelet=$!
m kubelet-exec pid $kubelet

if [ "$runtime" = containerd ]; then
    n=0
    until grep -q 'pods ready' /var/log/kubelet.log || [ $n -ge 1500 ]; do usleep 200000; n=$((n + 1)); done
else
    usleep 500000
fi
m shutdown-continued
kill -TERM $kubelet; wait $kubelet
kill -TERM $rt; wait $rt
m power-off
sync
poweroff -f
