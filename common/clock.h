/*
 * clock.h - one clock reading for every timing of the tool.
 */
#ifndef AIO_COMMON_CLOCK_H
#define AIO_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of the given clock (CLOCK_MONOTONIC for durations, CLOCK_REALTIME for dates). */
static inline uint64_t
clock_now_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
