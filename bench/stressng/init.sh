#!/bin/busybox sh
# /init of the stress-ng initramfs (busybox sh): run the panel of stressors, one after the
# other, each with one worker per online CPU for stressng_time seconds, print one
# machine-readable line per stressor and power off. Kernel command line parameters (Linux
# passes unknown name=value pairs to init as environment variables):
#   stressng_panel=a,b,c   stressors to run (default: the panel below)
#   stressng_time=N        seconds per stressor (default 4)
#   stressng_workers=N     workers per stressor (default: online CPUs)
# Result line: STRESSNG <stressor> <bogo ops> <real seconds> <bogo ops/s (real time)> <status>
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp 2>/dev/null
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm 2>/dev/null
cd /tmp

panel=${stressng_panel:-tlb-shootdown,mprotect,munmap,madvise,mremap,mmap,mmapfork,fork,pthread,switch,futex,membarrier,pagemove}
t=${stressng_time:-4}
workers=${stressng_workers:-$(grep -c ^processor /proc/cpuinfo)}
echo "STRESSNG-BEGIN cpus=$(grep -c ^processor /proc/cpuinfo) workers=$workers time=$t"
for s in $(echo "$panel" | tr ',' ' '); do
    out=$(/bin/stress-ng --"$s" "$workers" --timeout "${t}s" --metrics-brief 2>&1)
    rc=$?
    # --metrics-brief: "stress-ng: info:  [pid] <stressor> <bogo ops> <real s> <usr s>
    # <sys s> <bogo ops/s real> <bogo ops/s usr+sys>"
    # (Stressors also print metrics of their own on lines that start the same way: the
    # brief line is the one with six numbers.)
    n='[0-9][0-9.]*'
    line=$(echo "$out" | grep -E "\] +$s +$n +$n +$n +$n +$n +$n *\$" | head -1)
    if [ -n "$line" ]; then
        set -- $(echo "$line" | sed 's/.*\] *//')
        echo "STRESSNG $s $2 $3 $6 $rc"
    else
        echo "STRESSNG $s - - - $rc"
        echo "$out" | tail -5
    fi
done
if [ -x /bin/tlbshoot ] && [ -n "${tlbshoot_iters:-}" ]; then
    /bin/tlbshoot
fi
echo "STRESSNG-END"
poweroff -f
