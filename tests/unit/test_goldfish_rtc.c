/* Goldfish RTC: time reads with the high-word latch, setting the time, the alarm and its
 * interrupt, driven by a fake clock. One test uses the real alarm thread. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <time.h>

#include "hw/goldfish_rtc.h"

static _Atomic int64_t fake_now;
static int line_level, line_changes;

static int64_t fake_clock(void)
{
    return atomic_load(&fake_now);
}

static void record_line(void *opaque, unsigned n, bool level)
{
    (void)opaque;
    (void)n;
    if (level != line_level) {
        line_changes++;
    }
    line_level = level;
}

static GoldfishRTC *rtc;

static void setup(void)
{
    atomic_store(&fake_now, 0x123456789abcdefLL);
    line_level = 0;
    line_changes = 0;
    IRQLine irq = { record_line, NULL, 11 };
    rtc = goldfish_rtc_new(&irq, fake_clock, false);
    cr_assert_not_null(rtc);
}

static void teardown(void)
{
    goldfish_rtc_free(rtc);
}

static uint32_t rd(uint64_t off)
{
    return (uint32_t)goldfish_rtc_ops.read(rtc, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
    goldfish_rtc_ops.write(rtc, off, v, 4);
}

static uint64_t read_time(void)
{
    uint64_t lo = rd(0x00);
    return (uint64_t)rd(0x04) << 32 | lo;
}

TestSuite(goldfish_rtc, .init = setup, .fini = teardown);

Test(goldfish_rtc, time_follows_the_host_clock)
{
    cr_assert_eq(read_time(), 0x123456789abcdefULL);
    atomic_fetch_add(&fake_now, 5000);
    cr_assert_eq(read_time(), 0x123456789abcdefULL + 5000);
}

Test(goldfish_rtc, time_high_is_latched_by_the_low_read)
{
    atomic_store(&fake_now, 0x00000001ffffffffLL);
    uint32_t lo = rd(0x00);
    atomic_store(&fake_now, 0x0000000200000005LL);   /* carry into the high word meanwhile */
    uint32_t hi = rd(0x04);
    cr_assert_eq(((uint64_t)hi << 32) | lo, 0x00000001ffffffffULL);
}

Test(goldfish_rtc, guest_sets_the_time_high_word_first)
{
    wr(0x04, 0x17);
    wr(0x00, 0x42);
    cr_assert_eq(read_time(), 0x1700000042ULL);
    atomic_fetch_add(&fake_now, 10);
    cr_assert_eq(read_time(), 0x1700000042ULL + 10);
}

Test(goldfish_rtc, alarm_raises_the_line_when_due_and_enabled)
{
    uint64_t now = read_time();
    uint64_t at = now + 1000;
    wr(0x10, 1);
    wr(0x0c, (uint32_t)(at >> 32));
    wr(0x08, (uint32_t)at);
    cr_assert_eq(rd(0x18), 1, "armed");
    cr_assert_eq(rd(0x08), (uint32_t)at);
    cr_assert_eq(rd(0x0c), (uint32_t)(at >> 32));
    goldfish_rtc_poll(rtc);
    cr_assert_eq(line_level, 0, "not due yet");
    atomic_fetch_add(&fake_now, 1000);
    goldfish_rtc_poll(rtc);
    cr_assert_eq(line_level, 1);
    cr_assert_eq(rd(0x18), 0, "a fired alarm is no longer armed");
    wr(0x1c, 1);
    cr_assert_eq(line_level, 0, "CLEAR_INTERRUPT lowers the line");
    cr_assert_eq(line_changes, 2);
}

Test(goldfish_rtc, alarm_in_the_past_fires_at_once)
{
    wr(0x10, 1);
    wr(0x0c, 0);
    wr(0x08, 5);
    cr_assert_eq(line_level, 1);
}

Test(goldfish_rtc, disabled_interrupt_keeps_the_line_low_until_enabled)
{
    wr(0x0c, 0);
    wr(0x08, 5);
    cr_assert_eq(line_level, 0);
    wr(0x10, 1);
    cr_assert_eq(line_level, 1, "a pending alarm interrupt shows once enabled");
    wr(0x10, 0);
    cr_assert_eq(line_level, 0);
}

Test(goldfish_rtc, clear_alarm_disarms)
{
    uint64_t at = read_time() + 100;
    wr(0x10, 1);
    wr(0x0c, (uint32_t)(at >> 32));
    wr(0x08, (uint32_t)at);
    wr(0x14, 1);
    cr_assert_eq(rd(0x18), 0);
    atomic_fetch_add(&fake_now, 1000);
    goldfish_rtc_poll(rtc);
    cr_assert_eq(line_level, 0);
}

Test(goldfish_rtc, other_sizes_and_offsets_are_ignored)
{
    cr_assert_eq(goldfish_rtc_ops.read(rtc, 0x00, 8), 0);
    cr_assert_eq(goldfish_rtc_ops.read(rtc, 0x100, 4), 0);
    goldfish_rtc_ops.write(rtc, 0x10, 1, 1);
    cr_assert_eq(rd(0x10), 0);
    goldfish_rtc_ops.write(rtc, 0x800, 1, 4);
    cr_assert_eq(rd(0x10), 0, "a write outside the registers changes nothing");
    cr_assert_eq(rd(0x18), 0);
    cr_assert_eq(line_level, 0);
}

static _Atomic int thread_line;

static void atomic_line(void *opaque, unsigned n, bool level)
{
    (void)opaque;
    (void)n;
    atomic_store(&thread_line, level);
}

Test(goldfish_rtc_thread, alarm_thread_fires_on_the_real_clock)
{
    IRQLine irq = { atomic_line, NULL, 11 };
    GoldfishRTC *r = goldfish_rtc_new(&irq, NULL, true);
    cr_assert_not_null(r);
    uint64_t lo = goldfish_rtc_ops.read(r, 0x00, 4);
    uint64_t now = goldfish_rtc_ops.read(r, 0x04, 4) << 32 | lo;
    uint64_t at = now + 20 * 1000 * 1000;   /* 20 ms */
    goldfish_rtc_ops.write(r, 0x10, 1, 4);
    goldfish_rtc_ops.write(r, 0x0c, at >> 32, 4);
    goldfish_rtc_ops.write(r, 0x08, (uint32_t)at, 4);
    cr_assert_eq(atomic_load(&thread_line), 0);
    for (int i = 0; i < 2000 && !atomic_load(&thread_line); i++) {
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
    cr_assert_eq(atomic_load(&thread_line), 1, "alarm did not fire within 2 s");
    goldfish_rtc_free(r);
}
