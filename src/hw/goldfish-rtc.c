/*
 * goldfish-rtc.c - Goldfish RTC; see goldfish-rtc.h.
 */
#include "hw/goldfish-rtc.h"

#include <stdlib.h>

uint64_t goldfish_rtc_get_time(GoldfishRtcState *s)
{
    return (uint64_t)(qemu_clock_get_ns(s->clocks, s->clock) + s->offset_ns);
}

static void rtc_update_irq(GoldfishRtcState *s)
{
    bool level = s->irq_pending && s->irq_enabled;
    if (level != s->irq_level) {
        s->irq_level = level;
        qemu_set_irq(&s->irq, level);
    }
}

static void rtc_clear_alarm(GoldfishRtcState *s)
{
    timer_del(s->timer);
    s->alarm_running = false;
}

static void rtc_fire(GoldfishRtcState *s)
{
    rtc_clear_alarm(s);
    s->irq_pending = true;
    rtc_update_irq(s);
}

static void rtc_alarm_cb(void *opaque)
{
    rtc_fire(opaque);
}

static void rtc_set_alarm(GoldfishRtcState *s)
{
    uint64_t now = goldfish_rtc_get_time(s);
    if (s->alarm_next <= now) {
        rtc_fire(s);
        return;
    }
    /* The alarm in clock time; beyond the clock's range means never. */
    uint64_t delta = s->alarm_next - now;
    int64_t clock_now = qemu_clock_get_ns(s->clocks, s->clock);
    if (delta > (uint64_t)(INT64_MAX - clock_now)) {
        rtc_clear_alarm(s);
        s->alarm_running = true; /* armed, as far as the guest can tell */
        return;
    }
    timer_mod_ns(s->timer, clock_now + (int64_t)delta);
    s->alarm_running = true;
}

static uint64_t rtc_read(void *opaque, hwaddr addr, unsigned size)
{
    GoldfishRtcState *s = opaque;
    uint64_t t;

    switch (addr) {
    case GOLDFISH_RTC_TIME_LOW:
        t = goldfish_rtc_get_time(s);
        s->time_high = (uint32_t)(t >> 32);
        return (uint32_t)t;
    case GOLDFISH_RTC_TIME_HIGH: return s->time_high;
    case GOLDFISH_RTC_ALARM_LOW: return (uint32_t)s->alarm_next;
    case GOLDFISH_RTC_ALARM_HIGH: return (uint32_t)(s->alarm_next >> 32);
    case GOLDFISH_RTC_IRQ_ENABLED: return s->irq_enabled;
    case GOLDFISH_RTC_ALARM_STATUS: return s->alarm_running;
    default:
        guest_log_limited(&s->log, "goldfish-rtc: read at 0x%llx", (unsigned long long)addr);
        return 0;
    }
}

static void rtc_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    GoldfishRtcState *s = opaque;
    uint32_t v = (uint32_t)val;

    switch (addr) {
    case GOLDFISH_RTC_TIME_LOW: {
        uint64_t wanted = ((uint64_t)s->time_high << 32) | v;
        s->offset_ns += (int64_t)(wanted - goldfish_rtc_get_time(s));
        if (s->alarm_running) {
            rtc_set_alarm(s); /* the alarm is in RTC time, which just moved */
        }
        break;
    }
    case GOLDFISH_RTC_TIME_HIGH: s->time_high = v; break;
    case GOLDFISH_RTC_ALARM_LOW:
        s->alarm_next = (s->alarm_next & ~(uint64_t)UINT32_MAX) | v;
        rtc_set_alarm(s);
        break;
    case GOLDFISH_RTC_ALARM_HIGH:
        s->alarm_next = (s->alarm_next & UINT32_MAX) | ((uint64_t)v << 32);
        break;
    case GOLDFISH_RTC_IRQ_ENABLED:
        s->irq_enabled = v & 1;
        rtc_update_irq(s);
        break;
    case GOLDFISH_RTC_CLEAR_ALARM: rtc_clear_alarm(s); break;
    case GOLDFISH_RTC_CLEAR_INTERRUPT:
        s->irq_pending = false;
        rtc_update_irq(s);
        break;
    default:
        guest_log_limited(&s->log, "goldfish-rtc: write at 0x%llx ignored",
                          (unsigned long long)addr);
        break;
    }
}

static const MemoryRegionOps goldfish_rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .min_access_size = 4,
    .max_access_size = 4,
};

GoldfishRtcState *goldfish_rtc_new(AioContext *ctx, QEMUClockType clock, int64_t start_ns)
{
    GoldfishRtcState *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->clocks = aio_get_clocks(ctx);
    s->clock = clock;
    s->offset_ns = start_ns - qemu_clock_get_ns(s->clocks, clock);
    s->timer = aio_timer_new(ctx, clock, SCALE_NS, rtc_alarm_cb, s);
    memory_region_init_io(&s->mmio, "goldfish.rtc", &goldfish_rtc_ops, s, GOLDFISH_RTC_MMIO_SIZE);
    return s;
}

void goldfish_rtc_reset(GoldfishRtcState *s)
{
    rtc_clear_alarm(s);
    s->alarm_next = 0;
    s->irq_pending = false;
    s->irq_enabled = false;
    rtc_update_irq(s);
}

void goldfish_rtc_free(GoldfishRtcState *s)
{
    if (s) {
        timer_free(s->timer);
        free(s);
    }
}
