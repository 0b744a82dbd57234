#!/usr/bin/env bash
# Configure, build and run tlbstorm under ThreadSanitizer: the concurrency stress suite, then a
# short set of whole-emulator guest runs (the real tlbstorm binary, SMP guests, firmware).
#   tests/tsan.sh [BUILD_DIR]        (default build-tsan; SCALE=0.2 by default)
# The stress program (tests/stress/flush_stress.c) is plain C because Criterion cannot run
# under TSan on this machine (Criterion bug #274). Round counts are scaled down through
# TLBSTORM_STRESS_SCALE: TSan makes every guest instruction and flush 5-20x slower, and the
# interleavings, not the round count, are what it checks. Exit status non-zero on any TSan
# report (halt_on_error, exitcode=66: the emulator exits 66 and its runner fails the test) or
# failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tsan}
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" -Db_sanitize=thread -Dbuildtype=debugoptimized -Dtests=true
fi
export TLBSTORM_STRESS_SCALE=${SCALE:-0.2}
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# meson test builds only what the selected tests depend on (the emulator, the stress program
# and their guests), not the Criterion unit tests. Timeouts are multiplied: TSan runs take
# longer than release ones.
meson test -C "$build" --suite stress --print-errorlogs --timeout-multiplier 4

# Whole-emulator runs: existing tests from tests/meson.build, chosen so that every thread and
# protocol of a real run takes part at least once, with few vCPUs and short guests (about a
# minute on 2 cores):
#   tlbtorture, built-in SBI, mailbox strategy, --stats   page-table races, synced RFENCE
#                                                          shootdown, kicks, stats counters
#   tlbtorture -smp 8, two writers                        more vCPU threads than host cores:
#                                                          preempted targets, directed yields
#   tlbtorture, --flush=qemu                               async/safe work queues, exclusive
#                                                          sections, heap flush records
#   tlbtorture on OpenSBI fw_jump                          M-mode firmware: CLINT msip IPIs,
#                                                          mtimecmp/vtimer, guest-side fences
#   tlbtorture --remap-test=1ms                            memory map republished by a host
#                                                          thread under RCU while vCPUs run
#   smp_counters -smp 4                                    AMO and LR/SC on shared words
#   sbi_test -smp 4, sbi_reboot -smp 4                     HSM start/stop/suspend, IPIs,
#                                                          SRST machine reset with vCPUs live
#   flushlat built-in SBI -smp 4                           per-target ack times, WFI wake-ups
#   flush_report                                           --stats JSON and --trace-flush
#   virtio-blk                                             virtqueue DMA against the driver
#   U-Boot on the built-in SBI -smp 4                      console input thread, UART, PLIC
#   U-Boot on OpenSBI fw_jump -smp 4                       the same under M-mode firmware
#   progress_line, host signals                            progress thread on a pty; SIGTERM
#                                                          and SIGINT shutdown paths
#   host files, pipes and closed fds                       console writes aborted on a full
#                                                          pipe, EPIPE power-off from a vCPU
#   aclint_sswi -smp 4                                     S-mode IPIs by MMIO store from one
#                                                          vCPU into another's mip, and kicks
#   smp_wakeup -smp 4                                      lock-free PLIC: claims, completions
#                                                          and output passes from several vCPUs
#   gdb session, gdb bad input                             gdbstub thread: parking and resuming
#                                                          vCPUs, breakpoints, steps, watchpoints
#   monitor session                                        monitor jobs on vCPU threads (TLB,
#                                                          page tables), live flush statistics
#   stop/cont stress                                       parking 6 vCPUs mid-shootdown, both
#                                                          flush strategies
#   monitor on the console                                 console and socket front ends running
#                                                          monitor commands at once
#   --tlb-check on tlbtorture (clean, fatal)               page-table stores told to other harts
#                                                          through their inboxes, fence logs read
#                                                          across harts, fatal stop from a vCPU
whole_emulator=(
    tlbtorture_smp4_no_stale_translation_stats_agree
    tlbtorture_smp8_two_writers_no_stale_translation
    tlbtorture_smp4_qemu_strategy_no_stale_translation
    tlbtorture_opensbi_smp2_no_stale_translation
    tlbtorture_smp4_memory_map_changes_never_seen_stale
    guest_smp_counters_smp4
    guest_sbi_test_smp4
    guest_sbi_reboot_smp4
    flushlat_reports_every_cell_builtin_sbi_smp4
    flush_report
    guest_virtio_blk
    firmware_builtin_sbi_uboot_smp4
    firmware_opensbi_jump_uboot_smp4
    progress_line
    host_signals_end_the_run_cleanly
    host_files_pipes_and_closed_fds_are_handled
    guest_aclint_sswi_ipis_arrive_like_sbi_ipis_smp4
    guest_smp_wakeup_smp4
    gdb_session_threads_breakpoint_step_detach_kill
    gdb_bad_input_gets_errors_never_a_crash
    monitor_socket_info_tlb_flush_stop_cont_quit
    stop_cont_under_shootdowns_never_deadlocks
    monitor_on_the_console_with_ctrl_a_c
    tlbtorture_smp6_two_run_slots_no_stale_translation
    tlb_check_correct_tlbtorture_gets_no_report
    tlb_check_fatal_stops_at_the_first_report
)
meson test -C "$build" --print-errorlogs --timeout-multiplier 4 \
    --num-processes "$(nproc)" "${whole_emulator[@]}"
