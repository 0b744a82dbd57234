#include "hw/goldfish_rtc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* Register offsets (32-bit registers). */
enum {
    RTC_TIME_LOW = 0x00,        /* read: latches TIME_HIGH; write: sets the time */
    RTC_TIME_HIGH = 0x04,
    RTC_ALARM_LOW = 0x08,       /* write: arms the alarm at (ALARM_HIGH << 32) | value */
    RTC_ALARM_HIGH = 0x0c,
    RTC_IRQ_ENABLED = 0x10,
    RTC_CLEAR_ALARM = 0x14,
    RTC_ALARM_STATUS = 0x18,    /* 1 while an alarm is armed */
    RTC_CLEAR_INTERRUPT = 0x1c,
};

struct GoldfishRTC {
    pthread_mutex_t lock;       /* serialises everything below */
    pthread_cond_t cond;        /* the alarm thread waits here for changes */
    pthread_mutex_t irq_lock;   /* held while driving the line: levels arrive in order */
    pthread_t thread;
    bool has_thread, stop;
    int64_t (*now_ns)(void);
    IRQLine irq;
    int64_t offset_ns;          /* guest time = host now + offset */
    uint32_t time_high_latch;   /* TIME_HIGH as latched by the last TIME_LOW read */
    uint32_t time_high_write;   /* TIME_HIGH written, used by the next TIME_LOW write */
    uint64_t alarm_ns;          /* guest time of the alarm */
    uint32_t alarm_high_write;
    bool alarm_armed, irq_enabled, irq_pending;
};

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t guest_now_locked(const GoldfishRTC *rtc)
{
    return (uint64_t)(rtc->now_ns() + rtc->offset_ns);
}

/* Under lock: fire a due alarm; returns the level the line should have. */
static bool check_alarm_locked(GoldfishRTC *rtc)
{
    if (rtc->alarm_armed && guest_now_locked(rtc) >= rtc->alarm_ns) {
        rtc->alarm_armed = false;
        rtc->irq_pending = true;
    }
    return rtc->irq_pending && rtc->irq_enabled;
}

/* Drive the line to the level computed from the state as it is now. Re-reading the level
 * under irq_lock (rather than passing the one computed earlier) keeps two racing updates from
 * delivering their levels in the wrong order. */
static void update_irq(GoldfishRTC *rtc)
{
    pthread_mutex_lock(&rtc->irq_lock);
    pthread_mutex_lock(&rtc->lock);
    bool level = check_alarm_locked(rtc);
    pthread_mutex_unlock(&rtc->lock);
    irq_set_level(&rtc->irq, level);
    pthread_mutex_unlock(&rtc->irq_lock);
}

static uint64_t rtc_read(void *opaque, uint64_t offset, unsigned size)
{
    GoldfishRTC *rtc = opaque;
    if (size != 4) {
        return 0;
    }
    uint64_t v = 0;
    pthread_mutex_lock(&rtc->lock);
    switch (offset) {
    case RTC_TIME_LOW: {
        uint64_t now = guest_now_locked(rtc);
        rtc->time_high_latch = (uint32_t)(now >> 32);
        v = (uint32_t)now;
        break;
    }
    case RTC_TIME_HIGH: v = rtc->time_high_latch; break;
    case RTC_ALARM_LOW: v = (uint32_t)rtc->alarm_ns; break;
    case RTC_ALARM_HIGH: v = (uint32_t)(rtc->alarm_ns >> 32); break;
    case RTC_IRQ_ENABLED: v = rtc->irq_enabled; break;
    case RTC_ALARM_STATUS: v = rtc->alarm_armed; break;
    default: break;
    }
    pthread_mutex_unlock(&rtc->lock);
    return v;
}

static void rtc_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    GoldfishRTC *rtc = opaque;
    if (size != 4) {
        return;
    }
    uint32_t v = (uint32_t)value;
    pthread_mutex_lock(&rtc->lock);
    switch (offset) {
    case RTC_TIME_LOW: {
        uint64_t want = (uint64_t)rtc->time_high_write << 32 | v;
        rtc->offset_ns = (int64_t)(want - (uint64_t)rtc->now_ns());
        break;
    }
    case RTC_TIME_HIGH: rtc->time_high_write = v; break;
    case RTC_ALARM_LOW:
        rtc->alarm_ns = (uint64_t)rtc->alarm_high_write << 32 | v;
        rtc->alarm_armed = true;
        break;
    case RTC_ALARM_HIGH: rtc->alarm_high_write = v; break;
    case RTC_IRQ_ENABLED: rtc->irq_enabled = v & 1; break;
    case RTC_CLEAR_ALARM: rtc->alarm_armed = false; break;
    case RTC_CLEAR_INTERRUPT: rtc->irq_pending = false; break;
    default: break;
    }
    pthread_cond_signal(&rtc->cond);
    pthread_mutex_unlock(&rtc->lock);
    update_irq(rtc);
}

const MMIOOps goldfish_rtc_ops = { rtc_read, rtc_write };

void goldfish_rtc_poll(GoldfishRTC *rtc)
{
    update_irq(rtc);
}

/* Sleeps until the armed alarm is due (re-computed after every register write). */
static void *alarm_thread(void *arg)
{
    GoldfishRTC *rtc = arg;
    pthread_mutex_lock(&rtc->lock);
    while (!rtc->stop) {
        if (!rtc->alarm_armed) {
            pthread_cond_wait(&rtc->cond, &rtc->lock);
            continue;
        }
        int64_t wait = (int64_t)(rtc->alarm_ns - guest_now_locked(rtc));
        if (wait > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t ns = ts.tv_nsec + wait % 1000000000;
            ts.tv_sec += wait / 1000000000 + ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&rtc->cond, &rtc->lock, &ts);
            continue;
        }
        pthread_mutex_unlock(&rtc->lock);
        update_irq(rtc);
        pthread_mutex_lock(&rtc->lock);
    }
    pthread_mutex_unlock(&rtc->lock);
    return NULL;
}

GoldfishRTC *goldfish_rtc_new(const IRQLine *irq, int64_t (*now_ns)(void), bool start_thread)
{
    GoldfishRTC *rtc = calloc(1, sizeof(*rtc));
    if (!rtc) {
        return NULL;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rtc->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&rtc->lock, NULL);
    pthread_mutex_init(&rtc->irq_lock, NULL);
    rtc->now_ns = now_ns ? now_ns : realtime_ns;
    rtc->irq = *irq;
    if (start_thread) {
        if (pthread_create(&rtc->thread, NULL, alarm_thread, rtc) != 0) {
            goldfish_rtc_free(rtc);
            return NULL;
        }
        rtc->has_thread = true;
    }
    return rtc;
}

void goldfish_rtc_free(GoldfishRTC *rtc)
{
    if (!rtc) {
        return;
    }
    if (rtc->has_thread) {
        pthread_mutex_lock(&rtc->lock);
        rtc->stop = true;
        pthread_cond_signal(&rtc->cond);
        pthread_mutex_unlock(&rtc->lock);
        pthread_join(rtc->thread, NULL);
    }
    pthread_cond_destroy(&rtc->cond);
    pthread_mutex_destroy(&rtc->lock);
    pthread_mutex_destroy(&rtc->irq_lock);
    free(rtc);
}
